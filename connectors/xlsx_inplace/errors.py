"""Why a workbook is not edited: each refusal names its reason.

    WorkbookRefused(InputError)   the workbook cannot be edited safely, and nothing was
                                  written; `reason` is one of:
        workbook_unreadable       not a zip package, or a part that does not parse
        workbook_encrypted        protected by a password to open (an encrypted container)
        workbook_signed           digitally signed: any change breaks the signature
        workbook_strict           Strict Open XML, which this editor does not write
        workbook_sheet_kind       the named sheet is a chart sheet or dialog, not cells
        workbook_sheet_unreadable the sheet's cell data cannot be spliced byte for byte
        workbook_restructure      the edit would have to move or reshape cells, a merged
                                  range, an array formula or a table beyond appending a row
        workbook_no_such_sheet    / workbook_no_such_table: a name the edit gave is absent

Charts, images, comments, macros, pivot tables, sparklines and extensions are never a
reason: their parts are copied byte for byte.
"""

from __future__ import annotations

from bots.errors import InputError


class WorkbookRefused(InputError):
    """The workbook cannot take the edit; the file is left as it was."""

    def __init__(self, message: str, *, reason: str, file: str | None = None) -> None:
        super().__init__(message, file=file, reason=reason)
