"""Reading a workbook someone sent: only .xlsx, no DTDs or entities, limits while streaming.

An import file comes from outside the office (a county's list, a download), so opening it
must cost bounded memory and time whatever it holds. In order:

1. the name must end in ``.xlsx`` and the bytes must be a zip holding a workbook (an
   ``.xls`` renamed, a web page or a CSV saved as ".xlsx" each get their own message);
2. the zip's declared sizes are bounded, and every XML part is scanned as it is
   decompressed (constant memory): no ``<!DOCTYPE``/``<!ENTITY`` at all, no run of more
   than ``MAX_RUN_BYTES`` without markup (one giant cell or attribute), worksheet rows and
   cells counted, and the other parts (shared strings, styles, which openpyxl holds in
   memory) bounded by their number of tags;
3. openpyxl then reads in read-only mode, streaming sheets and shared strings through
   expat's C parser fed by a stream that refuses DTDs itself (``safe_xml``; defusedxml with
   an expat older than 2.4.1); rows, cells, columns and cell length are counted again,
   exactly, while rows stream, so nothing is held beyond the limits.

Formula cells are read as their text (``data_only=False``: a cached result may be stale
or forged) and marked, as are error values, so the importer can flag them for the clerk.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from desktop.errors import InvalidInput
from desktop.services.exchange import inline_text, safe_xml
from desktop.services.exchange.safe_xml import DeclarationRefused, looks_utf16

MAX_ROWS = 200_000  # rows in all sheets together
MAX_CELLS = 4_000_000  # non-empty cells in all sheets together
MAX_COLUMNS = 1_000  # no sheet of ours is wider; a cell further right is not our data
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_RUN_BYTES = 1 << 20  # bytes of one cell's text or one tag, as stored
MAX_PART_BYTES = 1 << 30  # one part, decompressed
MAX_TOTAL_BYTES = 2 << 30  # all parts, decompressed
MAX_PARTS = 10_000
# Tags in the parts openpyxl keeps in memory (shared strings, styles, …): 3 million tags are
# some 750,000 shared strings, about 150 MiB once loaded.
MAX_OTHER_TAGS = 3_000_000
TAGS_PER_CELL = 10  # <c><is><r><t>…</t></r></is></c> and the like; rows count as cells here
SHEET_TAGS = 100_000  # a sheet's own furniture: columns, merges, validations, formatting
CHUNK = 1 << 20

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
# A prefix is legal XML (<x:row>); counting is on bytes, so the parts must be ASCII-compatible.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?row[\s/>]")
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\s/>]")
WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
OTHER_NAMES = {
    ".xls": ("旧版 Excel 97-2003 格式（.xls）", "the old Excel 97-2003 format (.xls)"),
    ".xlsm": ("含宏的 Excel 工作簿（.xlsm）", "a macro-enabled workbook (.xlsm)"),
    ".xlsb": ("Excel 二进制工作簿（.xlsb）", "a binary workbook (.xlsb)"),
    ".xltx": ("Excel 模板（.xltx）", "an Excel template (.xltx)"),
    ".xltm": ("Excel 模板（.xltm）", "an Excel template (.xltm)"),
    ".csv": ("CSV 文本文件", "a CSV text file"),
    ".txt": ("文本文件", "a text file"),
    ".et": ("WPS 表格文件（.et）", "a WPS spreadsheet (.et)"),
    ".ods": ("OpenDocument 表格（.ods）", "an OpenDocument spreadsheet (.ods)"),
}
READ_ERRORS = (ParseError, DefusedXmlException, InvalidFileException, zipfile.BadZipFile, zlib.error,
               EOFError, KeyError, IndexError, ValueError, TypeError, AttributeError, OSError,
               NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class SheetRow:
    """One row as the sheet shows it: ``number`` as Excel numbers it, ``values`` by column
    (0-based; None where empty), and the columns holding a formula or an error value."""

    number: int
    values: list[Any]
    formulas: frozenset[int] = frozenset()
    errors: frozenset[int] = frozenset()


def _refuse(path: Path, zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"{path.name}：{zh}", f"{path.name}: {en}")


def _save_as_xlsx(path: Path, what_zh: str, what_en: str) -> InvalidInput:
    return _refuse(path, f"这是{what_zh}，不能导入。请在 Excel 或 WPS 中打开它，“另存为”Excel 工作簿（*.xlsx）后再导入。",
                   f"this is {what_en}, which cannot be imported. Open it in Excel or WPS and save it as an Excel workbook (*.xlsx), then import that.")


class WorkbookReader:
    """An .xlsx file opened for reading, checked as the module describes; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.rows_read = 0
        self.cells_read = 0
        _check_name(self.path)
        _sniff(self.path)
        _scan_parts(self.path)
        try:
            # keep_links=False: external links are parts to parse that an import never needs.
            self.book = load_workbook(self.path, read_only=True, data_only=False, keep_links=False)
        except DeclarationRefused as exc:
            raise _declarations(self.path, exc) from None
        except READ_ERRORS as exc:
            raise self._damaged(exc) from None

    def __enter__(self) -> WorkbookReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.book.close()

    @property
    def sheet_names(self) -> list[str]:
        return [ws.title for ws in self.book.worksheets]

    def rows(self, sheet_name: str) -> Iterator[SheetRow]:
        """The sheet's rows in order, empty rows included; limits counted as they stream."""
        ws = self.book[sheet_name]
        # The dimension the file declares may be anything (A1:XFD1048576); padding every row
        # to it would cost time and memory for nothing, so each row is as wide as its cells.
        ws.reset_dimensions()
        source = ws.iter_rows()
        while True:
            try:
                cells = next(source)
            except StopIteration:
                return
            except DeclarationRefused as exc:
                raise _declarations(self.path, exc) from None
            except READ_ERRORS as exc:
                raise self._damaged(exc) from None
            yield self._row(sheet_name, cells)

    def _row(self, sheet_name: str, cells: tuple[Any, ...]) -> SheetRow:
        self.rows_read += 1
        if self.rows_read > MAX_ROWS:
            raise _too_many_rows(self.path)
        if len(cells) > MAX_COLUMNS:
            raise _refuse(self.path, f"工作表“{sheet_name}”有超过 {MAX_COLUMNS} 列的行，不是导入模板的格式。",
                          f"sheet '{sheet_name}' has a row wider than {MAX_COLUMNS} columns; it is not the import layout.")
        values: list[Any] = []
        formulas, errors = set(), set()
        number = 0
        for col, cell in enumerate(cells):
            if cell is EMPTY_CELL:
                values.append(None)
                continue
            number = cell.row
            value = cell.value
            if cell.data_type == "f":
                formulas.add(col)
                value = getattr(value, "text", value)  # array formulas carry their text
                value = value if isinstance(value, str) and value.startswith("=") else f"={value}"
            elif cell.data_type == "e":
                errors.add(col)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise _refuse(self.path, f"工作表“{sheet_name}”第 {cell.row} 行有超过 {MAX_CELL_CHARS} 个字符的单元格。",
                              f"sheet '{sheet_name}' row {cell.row} has a cell longer than {MAX_CELL_CHARS} characters.")
            if value is not None:
                self.cells_read += 1
            values.append(value)
        if self.cells_read > MAX_CELLS:
            raise _too_many_cells(self.path)
        return SheetRow(number, values, frozenset(formulas), frozenset(errors))

    def _damaged(self, exc: BaseException) -> InvalidInput:
        return _refuse(self.path, f"文件内容已损坏或不是标准的 Excel 工作簿，无法读取（{type(exc).__name__}）。请在 Excel 中打开并另存为 .xlsx 后再试。",
                       f"the file is damaged or not a standard Excel workbook ({type(exc).__name__}). Open it in Excel, save it as .xlsx and try again.")


def _declared_size(ws: ReadOnlyWorksheet) -> None:
    """The size a sheet declares (``<dimension>``), read from the sheet's head only.

    openpyxl's own reading waits for the end of ``<sheetData>`` before giving up on a sheet
    without that element (openpyxl's own write-only files have none), so opening a
    workbook parsed every row once for nothing: a third of an import's reading. The
    element must come before the data, so meeting the data's start tag decides the same.
    """
    with ws._get_source() as src:
        for _event, element in _iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                size = SheetDimension.from_tree(element).boundaries
                ws._min_column, ws._min_row, ws._max_column, ws._max_row = size
                return
            if element.tag == DATA_TAG:
                return


ReadOnlyWorksheet._get_size = _declared_size  # type: ignore[method-assign,assignment]
_iterparse = safe_xml.iterparse if safe_xml.c_parser_is_safe() else iterparse
safe_xml.install()
inline_text.install()


def open_workbook(path: Path) -> WorkbookReader:
    """Open ``path`` for import, or raise ``InvalidInput`` saying what the file is instead."""
    return WorkbookReader(path)


def _too_many_rows(path: Path) -> InvalidInput:
    return _refuse(path, f"超过 {MAX_ROWS:,} 行，一次导入不了这么多。请分成几个文件导入。",
                   f"more than {MAX_ROWS:,} rows, too many for one import. Split it into several files.")


def _too_many_cells(path: Path) -> InvalidInput:
    return _refuse(path, f"超过 {MAX_CELLS:,} 个非空单元格，一次导入不了这么多。请分成几个文件导入。",
                   f"more than {MAX_CELLS:,} non-empty cells, too many for one import. Split it into several files.")


def _declarations(path: Path, refused: DeclarationRefused) -> InvalidInput:
    name = refused.part
    if refused.encoding == "UTF-16":
        return _utf16(path, name)
    if refused.encoding:
        return _refuse(path, f"其中的 {name} 使用 {refused.encoding} 编码（不是 UTF-8），不予读取。",
                       f"its part {name} is encoded as {refused.encoding}, not UTF-8; it is not read.")
    return _refuse(path, f"其中的 {name} 带有 DTD/实体声明（可被用来攻击读取程序），不予读取。",
                   f"its part {name} carries a DTD or entity declarations (usable to attack the reader); it is not read.")


def _utf16(path: Path, name: str) -> InvalidInput:
    return _refuse(path, f"其中的 {name} 使用 UTF-16 编码，不予读取。", f"its part {name} is encoded as UTF-16, which is not read.")


def _check_name(path: Path) -> None:
    if path.is_dir():
        raise _refuse(path, "这是一个文件夹，请选择要导入的 .xlsx 文件。", "this is a folder; choose the .xlsx file to import.")
    if not path.exists():
        raise InvalidInput(f"找不到文件 {path}。", f"No such file: {path}.")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return
    if suffix in OTHER_NAMES:
        raise _save_as_xlsx(path, *OTHER_NAMES[suffix])
    raise _refuse(path, "只能导入 Excel 工作簿（.xlsx 文件）。", "only Excel workbooks (.xlsx files) can be imported.")


def _sniff(path: Path) -> None:
    """Say what the file is when its bytes are not a zip, whatever its name claims."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return
    if not head:
        raise _refuse(path, "文件是空的（0 字节）。", "the file is empty (0 bytes).")
    if head.startswith(OLE2):
        if "EncryptionInfo".encode("utf-16-le") in _read_start(path, 1 << 16):
            raise _refuse(path, "工作簿设置了打开密码，无法读取。请在 Excel 中取消密码（文件→信息→保护工作簿）并另存后再导入。",
                          "the workbook is protected by a password. Remove it in Excel (File > Info > Protect Workbook), save, and import again.")
        raise _save_as_xlsx(path, "改了扩展名的旧版 .xls 文件", "an old .xls file renamed to .xlsx")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<")):
        raise _save_as_xlsx(path, "网页或 XML 文件（常见于从网站下载的“Excel”）", "a web page or XML file (common for \"Excel\" downloads from websites)")
    if _looks_like_text(head):
        if text.startswith((b"{", b"[")):
            raise _refuse(path, "这是 JSON 数据文件（只是扩展名写成了 .xlsx），不是 Excel 工作簿，不能导入。"
                          "记录的 JSON 文件请用 anhui-collect record add --file 添加。",
                          "this is a JSON data file with an .xlsx name, not an Excel workbook; it cannot be imported. "
                          "Add a record's JSON file with anhui-collect record add --file.")
        first_line = text.split(b"\n", 1)[0]
        if any(sep in first_line for sep in (b",", b"\t", b";", "，".encode())):
            raise _save_as_xlsx(path, "文本（CSV）文件，只是扩展名写成了 .xlsx", "a text (CSV) file with an .xlsx name")
        raise _refuse(path, "这是纯文本文件（只是扩展名写成了 .xlsx），不是 Excel 工作簿，不能导入。",
                      "this is a plain text file with an .xlsx name, not an Excel workbook; it cannot be imported.")
    raise _refuse(path, "不是 Excel 工作簿（内容既不是 .xlsx 也不是其他已知的表格格式）。",
                  "this is not an Excel workbook (its content is not .xlsx or any known spreadsheet format).")


def _read_start(path: Path, size: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return False


def _scan_parts(path: Path) -> None:
    """Check the zip and every XML part in it, streaming, before openpyxl reads anything."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _refuse(path, "文件已损坏或不完整（压缩包无法打开）。请重新保存或重新下载。",
                      "the file is damaged or incomplete (the zip cannot be opened). Save or download it again.") from None
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.bin" in names:
            raise _save_as_xlsx(path, "Excel 二进制工作簿（.xlsb）", "a binary workbook (.xlsb)")
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            kind = ("Word 文档", "a Word document") if any(n.startswith("word/") for n in names) else (
                ("PowerPoint 演示文稿", "a PowerPoint file") if any(n.startswith("ppt/") for n in names) else
                ("一个 ZIP 压缩包", "a zip archive"))
            raise _refuse(path, f"这是{kind[0]}，不是 Excel 工作簿。", f"this is {kind[1]}, not an Excel workbook.")
        if len(infos) > MAX_PARTS or any(i.file_size > MAX_PART_BYTES for i in infos) or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise _refuse(path, "解压后过大（可能是“压缩炸弹”），不予读取。", "it is far too large once decompressed (a \"zip bomb\"?); it is not read.")
        scan = _Scan(path)
        for info in infos:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as part:
                    scan.part(info.filename, part)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
                raise _refuse(path, "文件已损坏（压缩包中的内容校验失败）。请重新保存或重新下载。",
                              "the file is damaged (a part of the zip fails its check). Save or download it again.") from None


# How UTF-16 XML starts, whitespace aside: a byte-order mark, or "<" beside a zero byte.
UTF16_XML_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


class _Scan:
    """Counts across all parts of one file, checked chunk by chunk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.cells = 0
        self.other_tags = 0
        self._before = self._tags = self._rows = self._cells = 0  # the part being scanned

    def part(self, name: str, part: IO[bytes]) -> None:
        first = part.read(CHUNK)
        # UTF-16 XML starts with a byte-order mark or has a zero among its first two bytes
        # (expat reads it as UTF-16 then, whitespace first or not), and its markup is not
        # ASCII bytes. Other parts (a printer's settings start with UTF-16 text) are judged
        # by the old signs only; the parser reads every part it parses as UTF-8 anyway.
        xml_named = name.lower().endswith((".xml", ".rels"))
        if (looks_utf16(first) if xml_named else first.lstrip(b" \t\r\n")[:2] in UTF16_XML_STARTS):
            raise _utf16(self.path, name)
        if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            if xml_named:
                raise _refuse(self.path, f"文件已损坏：其中的 {name} 应是 XML 文本，内容却无法识别。请重新保存或重新下载。",
                              f"the file is damaged: its part {name} should be XML text but is unrecognisable. Save or download it again.")
            return  # not XML (a picture, a printer setting): openpyxl does not parse it
        # Only a worksheet's own XML is streamed; everything else (its .rels included) openpyxl
        # holds in memory, so its tags count against MAX_OTHER_TAGS. A part is only named as
        # a worksheet by the file itself, so a "worksheet" with far more tags than its rows
        # and cells explain (shared strings in disguise) has the excess counted too.
        worksheet = WORKSHEET_PART.match(name) is not None
        self._before = self.other_tags
        self._tags = self._rows = self._cells = 0
        carry = b""
        chunk = first
        while chunk:
            data = carry + chunk
            cut = data.rfind(b"<")
            if cut <= 0:
                carry = data
            else:
                self._complete(data[:cut], name, worksheet)
                carry = data[cut:]
            if len(carry) > MAX_RUN_BYTES:
                raise self._long_run(name)
            chunk = part.read(CHUNK)
        self._complete(carry, name, worksheet)

    def _complete(self, data: bytes, name: str, worksheet: bool) -> None:
        # ``data`` starts with "<" (or is the part's start) and ends before a "<": every tag
        # in it is whole, so nothing is counted twice or missed at a chunk boundary.
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise _declarations(self.path, DeclarationRefused(name))
        if max(map(len, data.split(b"<"))) > MAX_RUN_BYTES:
            raise self._long_run(name)
        tags = data.count(b"<")
        if worksheet:
            rows, cells = len(ROW_TAG.findall(data)), len(CELL_TAG.findall(data))
            self.rows += rows
            self.cells += cells
            if self.rows > MAX_ROWS:
                raise _too_many_rows(self.path)
            if self.cells > MAX_CELLS:
                raise _too_many_cells(self.path)
            self._tags, self._rows, self._cells = self._tags + tags, self._rows + rows, self._cells + cells
            explained = TAGS_PER_CELL * (self._cells + self._rows) + SHEET_TAGS
            self.other_tags = self._before + max(0, self._tags - explained)
        else:
            self.other_tags += tags
        if self.other_tags > MAX_OTHER_TAGS:
            raise _refuse(self.path, "除表格数据外的内容（共享文本、样式等）过多，不予读取。",
                          "it holds far too much besides the sheets' rows (shared text, styles, …); it is not read.")

    def _long_run(self, name: str) -> InvalidInput:
        return _refuse(self.path, f"其中的 {name} 有超长的单元格或标记（超过 {MAX_RUN_BYTES // 1024} KB），不予读取。",
                       f"its part {name} holds a cell or tag longer than {MAX_RUN_BYTES // 1024} KB; it is not read.")
