"""The workbook package: its parts, which sheet and table lives where, and writing it back.

Written back part by part in the original order, with the original entry names, dates and
compression; a part nobody changed gets exactly the bytes it had. The new file replaces
the old one atomically (a temporary file beside it, then a rename), so a crash leaves the
old workbook whole.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from connectors.xlsx_inplace.errors import WorkbookRefused
from connectors.xlsx_inplace.sheet import MAIN, PARSER, STRICT, SharedStrings, SheetDoc
from connectors.xlsx_inplace.table import TableDoc

PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


class Package:
    """An xlsx/xlsm opened read only; `sheet(name)` and `tables(name)` to read and plan."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with self.path.open("rb") as handle:
                if handle.read(8) == _OLE_MAGIC:
                    raise WorkbookRefused(
                        "the workbook is encrypted (a password to open); it cannot be read "
                        "or edited without it", reason="workbook_encrypted", file=str(path))
            with zipfile.ZipFile(self.path) as archive:
                self.infos = archive.infolist()
                self.parts = {info.filename: archive.read(info.filename) for info in self.infos}
        except RuntimeError as exc:  # zipfile: an entry encrypted with a password
            raise WorkbookRefused(f"the workbook's package is encrypted: {exc}",
                                  reason="workbook_encrypted", file=str(path)) from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise WorkbookRefused(f"not a readable xlsx package: {exc}",
                                  reason="workbook_unreadable", file=str(path)) from None
        signed = sorted(n for n in self.parts if n.lower().startswith("_xmlsignatures/"))
        if signed:
            raise WorkbookRefused(
                f"the workbook is digitally signed ({signed[0]}); any edit would break the "
                "signature, so it is left for a person to change and sign again",
                reason="workbook_signed", file=str(path))
        self.workbook_part = self._office_document()
        self.workbook_xml = self._parse(self.workbook_part)
        if self.workbook_xml.tag == f"{{{STRICT}}}workbook":
            raise WorkbookRefused("the workbook is saved as Strict Open XML, which this editor "
                                  "does not write; save it as an ordinary .xlsx",
                                  reason="workbook_strict", file=str(path))
        pr = self.workbook_xml.find(f"{{{MAIN}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "0") in ("1", "true")
        self.sheet_parts = self._sheets()
        strings = self._related(self.workbook_part, "/sharedStrings")
        self.strings = SharedStrings(self.parts[strings[0]] if strings else None)
        self._sheets_read: dict[str, SheetDoc] = {}
        self._tables: dict[str, list[TableDoc]] = {}

    def _parse(self, part: str) -> etree._Element:
        if part not in self.parts:
            raise WorkbookRefused(f"the package has no part {part}", reason="workbook_unreadable",
                                  file=str(self.path))
        try:
            return etree.fromstring(self.parts[part], PARSER)
        except etree.XMLSyntaxError as exc:
            raise WorkbookRefused(f"part {part} is not well-formed XML: {exc}",
                                  reason="workbook_unreadable", file=str(self.path)) from None

    def _relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of every internal relationship of `part`."""
        rels = _rels_path(part) if part else "_rels/.rels"
        if rels not in self.parts:
            return []
        found = []
        for node in self._parse(rels).iter(f"{PKG_REL}Relationship"):
            if node.get("TargetMode") == "External":
                continue
            target = node.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(part), target))
            found.append((node.get("Id", ""), node.get("Type", ""), resolved))
        return found

    def _related(self, part: str, kind: str) -> list[str]:
        return [target for _, rel_type, target in self._relationships(part)
                if rel_type.endswith(kind)]

    def _office_document(self) -> str:
        documents = self._related("", "/officeDocument")
        if not documents:
            raise WorkbookRefused("the package has no workbook part", reason="workbook_unreadable",
                                  file=str(self.path))
        return documents[0]

    def _sheets(self) -> dict[str, tuple[str, str]]:
        """sheet name -> (part, relationship type)."""
        targets = {rel_id: (target, rel_type) for rel_id, rel_type, target
                   in self._relationships(self.workbook_part)}
        sheets = {}
        for node in self.workbook_xml.iter(f"{{{MAIN}}}sheet"):
            rel = targets.get(node.get(f"{DOC_REL}id", ""))
            if rel is not None:
                sheets[node.get("name", "")] = rel
        return sheets

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheet_parts)

    def sheet(self, name: str) -> SheetDoc:
        if name not in self._sheets_read:
            if name not in self.sheet_parts:
                raise WorkbookRefused(f"the workbook has no sheet {name!r} (it has "
                                      f"{', '.join(map(repr, self.sheet_names))})",
                                      reason="workbook_no_such_sheet", file=str(self.path))
            part, rel_type = self.sheet_parts[name]
            if not rel_type.endswith("/worksheet"):
                raise WorkbookRefused(f"sheet {name!r} is a {rel_type.rsplit('/', 1)[-1]}, not cells",
                                      reason="workbook_sheet_kind", file=str(self.path))
            try:
                self._sheets_read[name] = SheetDoc(name, part, self.parts[part], self.strings,
                                                   self.date1904)
            except etree.XMLSyntaxError as exc:
                raise WorkbookRefused(f"sheet {name!r} ({part}) is not well-formed XML: {exc}",
                                      reason="workbook_unreadable", file=str(self.path)) from None
        return self._sheets_read[name]

    def read_sheets(self) -> dict[str, SheetDoc]:
        return {name: self.sheet(name) for name, (_, kind) in self.sheet_parts.items()
                if kind.endswith("/worksheet")}

    def tables(self, sheet: str) -> list[TableDoc]:
        if sheet not in self._tables:
            part = self.sheet(sheet).part
            self._tables[sheet] = [TableDoc.read(t, self.parts[t])
                                   for t in self._related(part, "/table") if t in self.parts]
        return self._tables[sheet]

    def all_tables(self) -> list[TableDoc]:
        return [t for name in self.read_sheets() for t in self.tables(name)]

    def calc_chain(self) -> str | None:
        chains = self._related(self.workbook_part, "/calcChain")
        return chains[0] if chains and chains[0] in self.parts else None


def without_calc_chain(parts: dict[str, bytes], package: Package, chain: str) -> dict[str, bytes]:
    """The parts that change when the calculation chain is dropped (Excel rebuilds it; a
    chain naming a cell that no longer holds a formula makes Excel repair the file)."""
    types = parts.get("[Content_Types].xml", package.parts["[Content_Types].xml"])
    rels_part = _rels_path(package.workbook_part)
    rels = parts.get(rels_part, package.parts[rels_part])
    name = re.escape(posixpath.basename(chain)).encode()
    return {
        "[Content_Types].xml": re.sub(rb'<Override\s[^>]*PartName="/' + re.escape(chain.encode())
                                      + rb'"[^>]*/>', b"", types),
        rels_part: re.sub(rb'<Relationship\s[^>]*Target="[^"]*' + name + rb'"[^>]*/>', b"", rels),
    }


def write_package(package: Package, out: Path, changed: dict[str, bytes],
                  removed: frozenset[str]) -> None:
    out = Path(out)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for info in package.infos:
                if info.filename in removed:
                    continue
                entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
                entry.create_system, entry.comment = info.create_system, info.comment
                archive.writestr(entry, changed.get(info.filename, package.parts[info.filename]))
        if out.exists():
            os.chmod(temporary, out.stat().st_mode & 0o7777)
        os.replace(temporary, out)
    finally:
        Path(temporary).unlink(missing_ok=True)
