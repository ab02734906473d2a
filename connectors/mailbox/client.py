"""The company mailbox over IMAP (imap-tools): folders, UID search, batched fetch, flags,
move and append, on one connection.

    with open_mailbox(settings.mail.imap) as box:
        state = box.select("INBOX")                  # UIDVALIDITY and the UIDs present
        for mail in box.fetch(state.uids, headers_only=True): mail.uid, mail.size, mail.raw
        box.move([uid, ...], "Triage/Answered")      # UID MOVE by sets, folder made if absent
        box.append(raw, "INBOX")

Password or XOAUTH2 (`oauth2_token`), both `SecretStr` settings. Messages are fetched
with BODY.PEEK (a fetch never marks a mail read) and kept as the bytes the server holds:
parsing is the caller's, so a mail no parser understands is still a mail with a UID.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    MailboxExpungeError,
    MailboxFlagError,
    MailboxFolderCreateError,
    MailboxLoginError,
)
from imap_tools.message import MailMessage
from imap_tools.utils import check_command_status

from bots.errors import Outage, UsageError
from bots.settings import ImapSettings


class MailboxUnavailable(Outage):
    """The IMAP server cannot be reached or refuses the login: the run stops, nothing is
    lost (every mail stays where it is)."""


@dataclass(frozen=True)
class FolderState:
    folder: str
    uidvalidity: int
    uids: tuple[int, ...]


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    size: int
    raw: bytes  # the whole message, or only its header for a headers-only fetch
    flags: tuple[str, ...]


class _RawMessage(MailMessage):
    """imap-tools' message without its compat32 parse: the bytes are all we keep."""

    def __init__(self, fetch_data: list) -> None:  # noqa: D107 - imap-tools' signature
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data, self._raw_flag_data, self.raw = uid_data, flag_data, raw


class Mailbox:
    """One logged-in IMAP connection (imap-tools' `BaseMailBox` underneath, as `.imap`)."""

    def __init__(self, imap: BaseMailBox, account: str) -> None:
        self.imap, self.account = imap, account
        self.imap.email_message_class = _RawMessage
        self._folders: set[str] | None = None
        self._delimiter: str | None = None
        self._prefix: str | None = None
        self._elsewhere: tuple[str, ...] = ()  # other namespaces' prefixes: `Public.`, ...

    def folders(self) -> set[str]:
        """The folders there, named with `/` between levels whatever the server uses, and
        without the prefix of its personal namespace."""
        if self._folders is None:
            found = self.imap.folder.list()
            self._delimiter = next((f.delim for f in found if f.delim), "/")
            self._folders = {self._ours(f.name) for f in found}
        return self._folders

    def has(self, folder: str) -> bool:
        return self.ours(folder) in self.folders()

    def ours(self, folder: str) -> str:
        """`folder` as `folders()` names it: `INBOX.Reviewed` and `INBOX/Reviewed` are
        `Reviewed` where the user's folders live under `INBOX.`."""
        return self._ours(self.server_name(folder))

    def server_name(self, folder: str) -> str:
        """`Triage/Answered` as this server spells it: `Triage.Answered` where the
        hierarchy delimiter is a dot (`/` is refused in a name there), and
        `INBOX.Triage.Answered` where every folder of the user lives under the INBOX
        (the personal namespace's prefix, RFC 2342: Courier, Cyrus and many hosted
        servers); a name already under that prefix, or under another namespace's (a shared
        or public `Public.Clientes`), keeps it. `inbox` in any case is the INBOX (RFC 3501)."""
        self.folders()
        if folder.upper() == "INBOX":
            return "INBOX"
        delimiter = self._delimiter or "/"
        name = folder if delimiter == "/" else folder.replace("/", delimiter)
        prefix = self.prefix()
        if prefix and not name.upper().startswith(prefix.upper()) and not any(
                (name + delimiter).startswith(other) for other in self._elsewhere):
            name = prefix + name
        return name

    def _ours(self, name: str) -> str:
        prefix = self.prefix()
        if prefix and name.upper().startswith(prefix.upper()) and len(name) > len(prefix):
            name = name[len(prefix):]
        delimiter = self._delimiter or "/"
        return name if delimiter == "/" else name.replace(delimiter, "/")

    def prefix(self) -> str:
        """The personal namespace's prefix ("" on most servers; `INBOX.` on some)."""
        if self._prefix is None:
            self._prefix = ""
            # asked whatever the capabilities said: imaplib keeps those of before login
            try:
                typ, data = self.imap.client.namespace()
            except imaplib.IMAP4.error:  # a server without NAMESPACE: no prefix
                return self._prefix
            text = data[0].decode("utf-8", "replace") if data and isinstance(
                data[0], bytes) else ""
            found = re.match(r'\s*\(\("((?:[^"\\]|\\.)*)"', text)
            if typ == "OK" and found:
                self._prefix = found.group(1).replace('\\"', '"')
            if typ == "OK":  # every namespace's ("prefix" "delimiter"), the personal first
                every = re.findall(r'\("((?:[^"\\]|\\.)*)"\s', text)[1 if found else 0:]
                self._elsewhere = tuple(p.replace('\\"', '"') for p in every if p)
        return self._prefix

    def ensure_folder(self, name: str) -> None:
        if self.has(name):
            return
        try:
            self.imap.folder.create(self.server_name(name))
        except MailboxFolderCreateError:
            self._folders = None  # made meanwhile by another worker
            if not self.has(name):
                raise
        self.folders().add(self.ours(name))

    def select(self, folder: str) -> FolderState:
        name = self.server_name(folder)
        self.imap.folder.set(name)
        status = self.imap.folder.status(name, ["UIDVALIDITY"])
        uids = tuple(sorted(int(u) for u in self.imap.uids("ALL")))
        return FolderState(folder, int(status["UIDVALIDITY"]), uids)

    def fetch(self, uids: Sequence[int], *, headers_only: bool = False,
              batch: int = 500) -> Iterator[FetchedMail]:
        """The mails of the selected folder with these UIDs, `batch` per FETCH command; a
        UID no longer there (moved by someone else) is simply not returned."""
        if not uids:
            return
        for message in self.imap.fetch(uid_list=[str(u) for u in uids], mark_seen=False,
                                       headers_only=headers_only, bulk=max(2, batch)):
            if message.uid is None:
                continue
            yield FetchedMail(int(message.uid), message.size_rfc822, message.raw, message.flags)

    def move(self, uids: Iterable[int], folder: str, *, batch: int = 500) -> int:
        """Move from the selected folder by UID sets (server-side MOVE when offered)."""
        wanted = [str(u) for u in sorted(set(uids))]
        if not wanted:
            return 0
        self.ensure_folder(folder)
        self.imap.move(wanted, self.server_name(folder), chunks=batch)
        return len(wanted)

    def next_uid(self, folder: str) -> tuple[int, int]:
        """(UIDVALIDITY, UIDNEXT) of a folder: a mail put there from now on gets a UID at
        least UIDNEXT, as long as UIDVALIDITY stays."""
        status = self.imap.folder.status(self.server_name(folder), ["UIDVALIDITY", "UIDNEXT"])
        return int(status["UIDVALIDITY"]), int(status["UIDNEXT"])

    def count(self, folder: str) -> int:
        return int(self.imap.folder.status(self.server_name(folder), ["MESSAGES"])["MESSAGES"])

    def uids_from(self, first: int) -> list[int]:
        """The selected folder's UIDs from `first` on (`first:*` names the last mail even
        when all UIDs are below `first`, so those are left out here)."""
        return sorted(u for u in (int(x) for x in self.imap.uids(f"UID {first}:*")) if u >= first)

    def expunge(self, uids: Iterable[int]) -> None:
        """Remove these mails of the selected folder, and only them (UID EXPUNGE, RFC 4315:
        a plain EXPUNGE would also take mail someone else marked deleted)."""
        wanted = ",".join(str(u) for u in sorted(set(uids)))
        if not wanted:
            return
        self.flag(wanted.split(","), ["\\Deleted"])
        if "UIDPLUS" in self.imap.client.capabilities:
            check_command_status(self.imap.client.uid("EXPUNGE", wanted), MailboxExpungeError)
        else:
            self.imap.expunge()

    def flag(self, uids: Iterable[int | str], flags: Iterable[str], value: bool = True) -> None:
        """Set (or clear) flags; the server's refusal is raised, not ignored."""
        wanted = [str(u) for u in uids]
        if wanted:
            check_command_status(self.imap.client.uid(
                "STORE", ",".join(wanted), "+FLAGS" if value else "-FLAGS",
                f"({' '.join(flags)})"), MailboxFlagError)

    def append(self, raw: bytes, folder: str = "INBOX", *, when: datetime | None = None,
               flags: Iterable[str] = ()) -> None:
        self.ensure_folder(folder)
        self.imap.append(raw, self.server_name(folder), dt=when, flag_set=list(flags) or None)


def _client(settings: ImapSettings) -> BaseMailBox:
    host, port, timeout = settings.host or "", settings.port, settings.timeout_seconds
    if settings.security == "ssl":
        return MailBox(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    if settings.security == "starttls":
        return MailBoxStartTls(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    return MailBoxUnencrypted(host, port, timeout=timeout)


def _capabilities_after_login(imap: BaseMailBox) -> None:
    """imaplib keeps the capabilities the server named before login, and servers name
    most of theirs only after it (Dovecot: MOVE, UIDPLUS, NAMESPACE). Read with those,
    imap-tools moved by COPY, STORE and a plain EXPUNGE, which also took every mail a
    person had marked deleted, and left both copies when a run was killed in between."""
    with suppress(imaplib.IMAP4.error, OSError):
        typ, data = imap.client.capability()
        names = data[-1] if typ == "OK" and data else None
        if isinstance(names, bytes):
            imap.client.capabilities = tuple(names.decode("ascii", "replace").upper().split())


@contextmanager
def open_mailbox(settings: ImapSettings) -> Iterator[Mailbox]:
    if not settings.host or not settings.username:
        raise UsageError("no mailbox configured: set RPA_MAIL__IMAP__HOST and "
                         "RPA_MAIL__IMAP__USERNAME (and a password or oauth2_token)")
    account = f"{settings.username}@{settings.host}:{settings.port}"
    try:
        imap = _client(settings)
        if settings.oauth2_token is not None:
            imap.xoauth2(settings.username, settings.oauth2_token.get_secret_value(),
                         initial_folder=None)
        elif settings.password is not None:
            imap.login(settings.username, settings.password.get_secret_value(),
                       initial_folder=None)
        else:
            raise UsageError(f"mailbox {account}: no password and no oauth2_token")
        _capabilities_after_login(imap)
    except MailboxLoginError as exc:
        raise MailboxUnavailable(f"mailbox {account}: login refused ({exc.command_result!r:.200})"
                                 ) from None
    except imaplib.IMAP4.error as exc:  # AUTHENTICATE (XOAUTH2) refused: the server's words
        raise MailboxUnavailable(f"mailbox {account}: login refused ({str(exc)[:200]})"
                                 ) from None
    except OSError as exc:
        raise MailboxUnavailable(f"mailbox {account}: {type(exc).__name__}: {exc}") from None
    box = Mailbox(imap, account)
    try:
        yield box
    except (imaplib.IMAP4.abort, ConnectionError, TimeoutError) as exc:
        # the server went away mid-run (restart, idle timeout, network): every mail is
        # still where it was or where the store says it went; the next run goes on
        raise MailboxUnavailable(f"mailbox {account}: connection lost "
                                 f"({type(exc).__name__}: {str(exc)[:200]})") from exc
    finally:
        with suppress(Exception):  # the connection may already be gone
            imap.logout()
