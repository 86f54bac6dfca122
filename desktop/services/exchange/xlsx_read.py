"""A streaming reader of XLSX worksheets for checking them: each cell's type, text, formula.

The verifier must see exactly what is in the file (a formula, a shared string, a number)
rather than what a spreadsheet library makes of it, and must not load a 100,000-row sheet
whole. This reads the sheet XML with expat, one chunk at a time, yielding rows as they end.
Entity declarations are refused (no XML bombs).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.parsers import expat

CHUNK = 1 << 16
MAX_SHARED_STRINGS_BYTES = 256 << 20
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class XlsxError(ValueError):
    """The file is not a workbook this reader can check."""


@dataclass(frozen=True)
class XCell:
    kind: str  # s (text: shared, inline or formula string), n (number), b, e, d
    text: str
    formula: bool


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class _Parser:
    """Feeds XML to expat and collects finished elements through callbacks."""

    def __init__(self) -> None:
        # No namespace processing: a sheet written as usual names its elements plainly, and
        # a prefixed one ("x:c") is read the same after the prefix is cut.
        self.p = expat.ParserCreate()
        self.p.EntityDeclHandler = self._refuse
        self.p.StartElementHandler = self.start
        self.p.EndElementHandler = self.end
        self.p.CharacterDataHandler = self.data
        self.p.buffer_text = True

    @staticmethod
    def _refuse(*_: object) -> None:
        raise XlsxError("XML entity declarations are not allowed")

    def start(self, name: str, attrs: dict[str, str]) -> None: ...

    def end(self, name: str) -> None: ...

    def data(self, text: str) -> None: ...

    def feed(self, fh: object) -> Iterator[None]:
        try:
            while chunk := fh.read(CHUNK):  # type: ignore[attr-defined]
                self.p.Parse(chunk, False)
                yield
            self.p.Parse(b"", True)
            yield
        except expat.ExpatError as exc:
            raise XlsxError(f"broken XML: {exc}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise XlsxError(f"damaged workbook: {exc}") from None


def _local(name: str) -> str:
    return name if ":" not in name else name.rsplit(":", 1)[-1]


class _SheetParser(_Parser):
    def __init__(self, shared: list[str]) -> None:
        super().__init__()
        self.shared = shared
        self.rows: list[tuple[int, dict[int, XCell]]] = []
        self.row: dict[int, XCell] = {}
        self.row_number = 0
        self.col = -1
        self.kind = "n"
        self.text: list[str] = []
        self.capture = False
        self.formula = False
        self.in_cell = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "row":
            self.row = {}
            self.row_number = int(attrs.get("r") or self.row_number + 1)
            self.col = -1
        elif tag == "c":
            ref = _REF.match(attrs.get("r", ""))
            self.col = column_index(ref.group(1)) if ref else self.col + 1
            self.kind, self.text, self.formula, self.in_cell = attrs.get("t", "n"), [], False, True
        elif tag in ("v", "t") and self.in_cell:
            self.capture = True
        elif tag == "f" and self.in_cell:
            self.formula = True

    def data(self, text: str) -> None:
        if self.capture:
            self.text.append(text)

    def end(self, name: str) -> None:
        tag = _local(name)
        if tag in ("v", "t"):
            self.capture = False
        elif tag == "c":
            text = "".join(self.text)
            kind = self.kind
            if kind == "s":
                try:
                    text = self.shared[int(text)]
                except (ValueError, IndexError):
                    text = ""
            if kind in ("s", "inlineStr", "str"):
                kind = "s"
            self.row[self.col] = XCell(kind, text, self.formula)
            self.in_cell = False
        elif tag == "row":
            self.rows.append((self.row_number, self.row))


class _SharedParser(_Parser):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self.text: list[str] = []
        self.capture = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "si":
            self.text = []
        elif tag == "t":
            self.capture = True

    def data(self, text: str) -> None:
        if self.capture:
            self.text.append(text)

    def end(self, name: str) -> None:
        tag = _local(name)
        if tag == "t":
            self.capture = False
        elif tag == "si":
            self.items.append("".join(self.text))


class _ListParser(_Parser):
    """Collects (tag, attributes) of chosen elements (workbook sheets, relationships)."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: list[dict[str, str]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if _local(name) == self.wanted:
            self.found.append({_local(k): v for k, v in attrs.items()})


class Workbook:
    """An XLSX file opened for checking; :meth:`rows` streams one sheet."""

    def __init__(self, path: str) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
            sheets = self._list("xl/workbook.xml", "sheet")
            rels = {r.get("Id"): r.get("Target", "") for r in self._list("xl/_rels/workbook.xml.rels", "Relationship")}
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise XlsxError(f"not a readable workbook: {exc}") from None
        self.sheets: dict[str, str] = {}
        for s in sheets:
            target = rels.get(s.get("id", ""), "")
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            self.sheets[s.get("name", "")] = member
        self.shared = self._shared()

    def _list(self, member: str, wanted: str) -> list[dict[str, str]]:
        parser = _ListParser(wanted)
        with self.zip.open(member) as fh:
            for _ in parser.feed(fh):
                pass
        return parser.found

    def _shared(self) -> list[str]:
        try:
            info = self.zip.getinfo("xl/sharedStrings.xml")
        except KeyError:
            return []
        if info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise XlsxError("shared strings table too large")
        parser = _SharedParser()
        with self.zip.open(info) as fh:
            for _ in parser.feed(fh):
                pass
        return parser.items

    def rows(self, name: str) -> Iterator[tuple[int, dict[int, XCell]]]:
        """(row number, {column index: cell}) for each row of sheet ``name``, in file order."""
        member = self.sheets.get(name)
        if member is None:
            raise XlsxError(f"no sheet named {name}")
        parser = _SheetParser(self.shared)
        with self.zip.open(member) as fh:
            for _ in parser.feed(fh):
                if parser.rows:
                    yield from parser.rows
                    parser.rows = []

    def close(self) -> None:
        self.zip.close()
