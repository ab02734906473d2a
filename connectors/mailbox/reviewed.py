"""The mail agents filed after review: `Reviewed/<category>` folders of the mailbox.

An agent who decides a mail from Triage/Review moves it into the folder of its category
(`Reviewed/billing_credit`, `Reviewed/complaint`, ...), as back offices file mail. This
reads those folders (read-only: BODY.PEEK, nothing moved or flagged) into labels for
`bots.mail.understand.reviewed.add_reviewed`. A folder under the prefix that is not a
category, and a mail that cannot be read, are reported, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.errors import BusinessError
from bots.mail.understand.categories import CATEGORIES
from bots.mail.understand.reviewed import ReviewedLabel, label_from_mail
from connectors.mailbox.client import Mailbox

PREFIX = "Reviewed"


@dataclass
class Harvest:
    labels: list[ReviewedLabel] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "folder UID n: why" or "folder: why"
    folders: dict[str, int] = field(default_factory=dict)  # folder -> mails read


def reviewed_labels(box: Mailbox, prefix: str = PREFIX, *, batch: int = 500,
                    default_language: str = "es") -> Harvest:
    harvest = Harvest()
    start = box.ours(prefix.rstrip("/")).rstrip("/") + "/"  # as the server spells it, or not
    for folder in sorted(name for name in box.folders() if name.startswith(start)):
        category = folder[len(start):]
        if category not in CATEGORIES:
            harvest.skipped.append(f"{folder}: not a category folder (one of: {', '.join(CATEGORIES)})")
            continue
        state = box.select(folder)
        harvest.folders[folder] = 0
        for mail in box.fetch(state.uids, batch=batch):
            try:
                harvest.labels.append(label_from_mail(mail.raw, category, default_language))
            except (BusinessError, ValueError) as error:
                harvest.skipped.append(f"{folder} UID {mail.uid}: {error}")
                continue
            harvest.folders[folder] += 1
    return harvest
