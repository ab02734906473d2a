"""The company mailbox: IMAP through imap-tools, and what the store knows of its UIDs.

    open_mailbox(settings.mail.imap) -> Mailbox   select, fetch (batched), move, flag, append
    seen.known / seen.record / seen.mark_filed    (account, folder, UIDVALIDITY, UID) -> item
"""

from __future__ import annotations

from connectors.mailbox import seen
from connectors.mailbox.client import (
    FetchedMail,
    FolderState,
    Mailbox,
    MailboxUnavailable,
    open_mailbox,
)

__all__ = ["FetchedMail", "FolderState", "Mailbox", "MailboxUnavailable", "open_mailbox", "seen"]
