"""Opening an import file: only .xlsx, each other kind of file named, no DTDs or entities,
limits that hold while the file streams (measured: the 12 MB sheet of 2.5 million rows is
refused in bounded memory), formulas read as text and flagged for the clerk."""

import io
import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.reader import strings as shared_strings
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _reader as worksheet_reader

from desktop.errors import InvalidInput
from desktop.services.checking import default_checker
from desktop.services.exchange import safe_xml, workbook
from desktop.services.exchange.importer import ERRORS_HEADER, import_workbook
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.exchange.workbook import open_workbook
from desktop.services.records import RecordService
from tests.conftest import ROOT, cli_env
from tests.exchange.xlsx_files import (
    EMPTY_STRINGS,
    SHEET_HEAD,
    SHEET_TAIL,
    inline_row,
    tiny_rows,
    write_xlsx,
)
from tests.office.conftest import enterprise

# The most an import of the 2.5-million-row sheet may take, whole process included (Python,
# SQLCipher, openpyxl and the forms take about 110 MiB before the file is opened). Loading
# that sheet whole took 2.3 GB.
PEAK_RSS_BOUND_MIB = 300


def refusal(path: Path) -> str:
    with pytest.raises(InvalidInput) as refused:
        open_workbook(path).close()
    assert refused.value.message_en, refused.value
    return refused.value.message_zh


def zip_with(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_only_xlsx_is_opened_and_every_other_file_is_named(tmp_path):
    real = tmp_path / "real.xlsx"
    Workbook().save(real)
    open_workbook(real).close()
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    cases = {
        "old.xls": (ole2, "旧版 Excel 97-2003"),
        "list.csv": ("名称,代码\n甲,1\n".encode(), "CSV"),
        "list.xlsm": (real.read_bytes(), "含宏"),
        "list.et": (b"whatever", "WPS"),
        "report.pdf": (b"%PDF-1.7", "只能导入 Excel 工作簿"),
        "empty.xlsx": (b"", "空的"),
        "renamed.xlsx": (ole2, "改了扩展名的旧版 .xls"),
        "locked.xlsx": (ole2 + "EncryptionInfo".encode("utf-16-le"), "打开密码"),
        "download.xlsx": (b"<html><table><tr><td>1</td></tr></table></html>", "网页"),
        "text.xlsx": ("名称,代码\n甲,1\n".encode("gb18030"), "文本（CSV）"),
        "noise.xlsx": (bytes(range(256)) * 4, "不是 Excel 工作簿"),
        "cut.xlsx": (real.read_bytes()[:300], "损坏或不完整"),
    }
    for name, (data, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert words in refusal(path), name
    assert "Word 文档" in refusal(zip_with(tmp_path / "letter.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}))
    assert "压缩包" in refusal(zip_with(tmp_path / "photos.xlsx", {"a.jpg": b"\xff\xd8"}))
    assert ".xlsb" in refusal(zip_with(tmp_path / "binary.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"}))
    assert "文件夹" in refusal(tmp_path)
    assert "找不到" in refusal(tmp_path / "nothere.xlsx")


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10))
          + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
EXTERNAL = SHEET_HEAD.replace("?>", '?><!DOCTYPE worksheet SYSTEM "file:///etc/passwd">', 1)


def test_dtds_and_entities_are_refused_wherever_they_are(tmp_path):
    # openpyxl parses through defusedxml unless expat guards itself (see safe_xml).
    assert openpyxl.DEFUSEDXML or safe_xml.c_parser_is_safe()
    laughs = LAUGHS
    in_strings = write_xlsx(tmp_path / "strings.xlsx", [inline_row(1, ["记录编号"])], shared_strings=laughs)
    assert "DTD" in refusal(in_strings)
    assert "DTD" in refusal(write_xlsx(tmp_path / "sheet.xlsx", [inline_row(1, ["a"])], head=EXTERNAL))
    # Far into a big part, across the scanner's chunk boundary.
    filler = ["<row/>"] * ((workbook.CHUNK // 6) - 3)
    late = write_xlsx(tmp_path / "late.xlsx", [*filler, '<!ENTITY x "y">'])
    assert "DTD" in refusal(late)


def test_the_parser_itself_refuses_dtds_it_is_fed(tmp_path):
    """The bytes openpyxl's sheet and shared-string parsing is fed are checked again: a DTD
    is refused there too (the file may change after the scan), whatever it declares."""
    plain = SHEET_HEAD + inline_row(1, ["a"]) + SHEET_TAIL
    # In EBCDIC a DTD has no ASCII bytes (expat refuses EBCDIC too, this guard before it).
    ebcdic = (b'<?xml version="1.0" encoding="cp037"?>'
              + LAUGHS.split("?>", 1)[1].encode("cp037"))
    cases = [LAUGHS.encode(), (EXTERNAL + SHEET_TAIL).encode(),
             plain.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"), ebcdic]
    if safe_xml.c_parser_is_safe():
        for parse in (worksheet_reader.iterparse, shared_strings.iterparse):
            for doc in cases:
                with pytest.raises(safe_xml.DeclarationRefused):
                    list(parse(io.BytesIO(doc)))
                # Cut anywhere, a declaration is still seen whole.
                with pytest.raises(safe_xml.DeclarationRefused):
                    list(parse(_Trickle(doc, 5)))
            assert [e.tag for _, e in parse(io.BytesIO(plain.encode()))][-1].endswith("worksheet")
    if safe_xml.c_parser_is_safe():
        # UTF-16 after whitespace, and encodings declared out of the guard's sight (after 600
        # spaces, or under a long alias of Latin-1): never parsed as anything but UTF-8, so
        # the DTD is refused or the part is not XML, and no entity is ever expanded.
        # One small entity: expat's own limits would let it through.
        small = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY e "EXPANDED">]>'
                 '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e;</t></si></sst>')
        bare = small.split("?>", 1)[1]  # no XML declaration, so whitespace may come first
        hidden = [("\n" + bare).encode("utf-16-be"), ("\t\t" + bare).encode("utf-16-le"),
                  small.replace("?>", " " * 600 + ' encoding="ISO-8859-1"?>', 1).encode("latin-1"),
                  small.replace("?>", ' encoding="ISO-8859' + "-" * 50 + '1"?>', 1).encode("latin-1")]
        for doc in hidden:
            with pytest.raises((safe_xml.DeclarationRefused, ElementTree.ParseError)):
                list(worksheet_reader.iterparse(io.BytesIO(doc)))
    # A sheet in UTF-16 without a byte-order mark: expat reads it, so the scan refuses it,
    # and with it a DTD whose bytes hold no ASCII "<!DOCTYPE".
    sheet = _with_member(write_xlsx(tmp_path / "plain.xlsx", [inline_row(1, ["a"])]), tmp_path / "utf16.xlsx",
                         "xl/worksheets/sheet1.xml", lambda xml: (
                             '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY x "y">]>'
                             + xml.split("?>", 1)[1]).encode("utf-16-le"))
    assert "UTF-16" in refusal(sheet)


def test_a_sheet_under_another_name_in_utf16_is_never_expanded(tmp_path):
    """A worksheet the file names ``sheet1.dat`` (so the scan takes it for a picture), in
    UTF-16 after a line break, with a DTD: the parser reads it as UTF-8 and refuses it."""
    source = tmp_path / "a.xlsx"
    book = Workbook()
    book.active["A1"] = "hello"
    book.save(source)
    sheet = ('\n<!DOCTYPE worksheet [<!ENTITY e "EXPANDED">]>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(hostile, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                zout.writestr("xl/worksheets/sheet1.dat", sheet.encode("utf-16-be"))
                continue
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat")
            zout.writestr(info, data)
    with pytest.raises(InvalidInput) as refused, open_workbook(hostile) as reader:
        list(reader.rows(reader.sheet_names[0]))
    assert "EXPANDED" not in str(refused.value)


def test_an_import_with_a_dtd_is_refused_and_saves_nothing(office, tmp_path):
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    form = checker.registry.form("enterprise")
    sheet = sheets_of(form)[0]
    data = enterprise(1)
    rows = [_row(1, sheet.headers),
            _row(2, ["r1", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])]
    for n, (head, strings) in enumerate(((SHEET_HEAD, LAUGHS), (EXTERNAL, EMPTY_STRINGS))):
        path = write_xlsx(tmp_path / f"dtd{n}.xlsx", rows, sheet_name=sheet.name, head=head, shared_strings=strings)
        with pytest.raises(InvalidInput) as refused:
            list(import_workbook(service, checker.registry, path))
        part = "xl/sharedStrings.xml" if strings is LAUGHS else "xl/worksheets/sheet1.xml"
        assert f"其中的 {part} 带有 DTD/实体声明（可被用来攻击读取程序），不予读取。" in refused.value.message_zh
    assert service.count() == 0
    # The same rows without a DTD import.
    clean = write_xlsx(tmp_path / "clean.xlsx", rows, sheet_name=sheet.name)
    assert list(import_workbook(service, checker.registry, clean))[-1].imported == 1


def _row(number: int, values: list) -> str:
    cells = "".join(f'<c r="{get_column_letter(i + 1)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                    for i, v in enumerate(values) if v is not None)
    return f'<row r="{number}">{cells}</row>'


def _with_member(source: Path, target: Path, member: str, change) -> Path:
    """A copy of the workbook ``source`` with one part's text changed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, change(data.decode()) if info.filename == member else data)
    return target


class _Trickle(io.RawIOBase):
    """A stream giving at most ``size`` bytes a read."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.at = data, size, 0

    def read(self, n: int = -1) -> bytes:
        piece = self.data[self.at : self.at + self.size]
        self.at += len(piece)
        return piece


def test_zip_bombs_and_giant_cells_are_refused_before_they_cost_memory(tmp_path):
    # A part that declares 3 GiB: refused from the zip's directory, nothing decompressed.
    bomb = zip_with(tmp_path / "bomb.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"<worksheet/>"})
    data = bytearray(bomb.read_bytes())
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/worksheets/sheet1.xml"))
    struct.pack_into("<I", data, entry + 24, 3 << 30)  # the central directory's uncompressed size
    bomb.write_bytes(bytes(data))
    assert "压缩炸弹" in refusal(bomb)
    # Shared strings, which openpyxl holds in memory: bounded by their number of tags, also
    # when the file names the part as a worksheet.
    many = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + "<si><t>x</t></si>" * ((workbook.MAX_OTHER_TAGS + workbook.SHEET_TAGS) // 4 + 1) + "</sst>")
    assert "共享文本" in refusal(write_xlsx(tmp_path / "strings.xlsx", [inline_row(1, ["a"])], shared_strings=many))
    disguised = write_xlsx(tmp_path / "disguised.xlsx", [inline_row(1, ["a"])])
    with zipfile.ZipFile(disguised, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet2.xml", many)
    assert "共享文本" in refusal(disguised)
    # One cell of 64 MB (compressed to a few dozen KB): refused as it streams.
    giant = write_xlsx(tmp_path / "giant.xlsx", [inline_row(1, ["a" * (64 << 20)])])
    assert giant.stat().st_size < 1 << 20
    assert "超长" in refusal(giant)


def test_rows_beyond_the_limit_are_refused_while_streaming(tmp_path):
    # Two row elements, the second numbered 250,000: openpyxl streams 249,998 empty rows in
    # between, and the limit counts them as they come.
    gap = write_xlsx(tmp_path / "gap.xlsx", [inline_row(1, ["记录编号"]), inline_row(250_000, ["x"])])
    with open_workbook(gap) as reader:
        with pytest.raises(InvalidInput, match="rows"):
            for _row in reader.rows("企业"):
                pass
        assert reader.rows_read == workbook.MAX_ROWS + 1
    wide = write_xlsx(tmp_path / "wide.xlsx", ['<row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'])
    with open_workbook(wide) as reader, pytest.raises(InvalidInput, match="columns"):
        list(reader.rows("企业"))


@pytest.fixture(scope="module")
def tiny_rows_sheet(tmp_path_factory) -> Path:
    path = write_xlsx(tmp_path_factory.mktemp("big") / "2.5m-rows.xlsx", tiny_rows(2_500_000))
    assert 10e6 < path.stat().st_size < 15e6  # the 12 MB sheet
    return path


# The peak of this process's own memory (VmHWM): ru_maxrss would also count the pytest
# process it was forked from, whose size depends on the tests that ran before.
PEAK = """
import sys
from desktop.cli.main import main
code = main(sys.argv[1:])
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("peak_rss_kib", hwm, file=sys.stderr)
sys.exit(code)
"""


def test_the_12_mb_sheet_of_2_5_million_rows_is_refused_in_bounded_memory(office_dir, tiny_rows_sheet):
    def cap() -> None:  # a runaway import fails fast instead of taking the machine's memory
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    result = subprocess.run([sys.executable, "-c", PEAK, "import", str(tiny_rows_sheet)], env=cli_env(office_dir),
                            capture_output=True, text=True, timeout=600, cwd=ROOT, preexec_fn=cap)
    assert result.returncode == 1, result.stderr
    assert "超过 200,000 行" in result.stderr and "意外" not in result.stderr
    peak_mib = int(result.stderr.split("peak_rss_kib")[1].split()[0]) / 1024
    print(f"peak RSS importing the 2.5-million-row sheet: {peak_mib:.0f} MiB (bound {PEAK_RSS_BOUND_MIB} MiB)")
    assert peak_mib < PEAK_RSS_BOUND_MIB


def test_formula_cells_are_read_as_text_and_flagged(office, tmp_path):
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    form = checker.registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append(sheet.headers)
    for i in range(3):
        data = enterprise(i, employees=10)
        ws.append([f"r{i}", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    employees = sheet.headers.index("从业人员（人）") + 1
    ws.cell(row=3, column=employees, value="=HYPERLINK(\"http://x\",SUM(1,2))")
    ws.cell(row=4, column=employees).value = "#N/A"
    ws.cell(row=4, column=employees).data_type = "e"
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    report = tmp_path / "report.xlsx"
    last = list(import_workbook(service, checker.registry, path, partial=True, report_path=report))[-1]
    assert last.imported == 1
    by_row = {p.row: p for p in last.problems}
    assert set(by_row) == {3, 4}
    assert "公式" in by_row[3].message and "=HYPERLINK" in by_row[3].message and by_row[3].column == "从业人员（人）"
    assert "错误值 #N/A" in by_row[4].message
    assert "formula" in by_row[3].text("en")
    # The report shows what was typed, as text: opening it runs no formula.
    shown = load_workbook(report).worksheets[0]
    formula_cell = shown.cell(row=3, column=employees)
    assert formula_cell.value.startswith("=HYPERLINK") and formula_cell.data_type == "s"
    header = [c.value for c in shown[1]]
    assert header[-1] == ERRORS_HEADER and "公式" in shown.cell(row=3, column=len(header)).value


def test_import_messages_on_the_command_line_in_both_languages(office_dir, tmp_path):
    xls = tmp_path / "名单.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    for lang, words in (("zh", "另存为"), ("en", "save it as an Excel workbook")):
        result = subprocess.run([sys.executable, "-m", "desktop.cli", "import", str(xls)], capture_output=True, text=True,
                                env={**cli_env(office_dir), "ANHUI_COLLECT_LANG": lang}, timeout=120)
        assert result.returncode == 1 and words in result.stderr, result.stderr
        assert "意外" not in result.stderr and "unexpected" not in result.stderr
    assert not os.path.exists(tmp_path / "名单.错误报告.xlsx")


def test_damaged_workbooks_are_a_message_or_import_never_a_bug(office, tmp_path):
    import io
    import random

    from desktop.failures import user_error
    from desktop.services.exchange.template import write_template

    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    source = tmp_path / "template.xlsx"
    write_template(checker.registry.form("enterprise"), source)
    compressed = source.read_bytes()
    with zipfile.ZipFile(io.BytesIO(compressed)) as zin, zipfile.ZipFile(stored := io.BytesIO(), "w") as zout:
        for info in zin.infolist():  # stored, so damage lands in the XML rather than in a CRC
            zout.writestr(info.filename, zin.read(info.filename))
    rng = random.Random(13)
    outcomes = {"message": 0, "read": 0}
    for n in range(80):
        data = bytearray(stored.getvalue() if n % 2 else compressed)
        for _ in range(rng.choice([1, 2, 5])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        mutant = tmp_path / f"mutant{n}.xlsx"
        mutant.write_bytes(bytes(data))
        try:
            list(import_workbook(service, checker.registry, mutant, report_path=tmp_path / "report.xlsx"))
            outcomes["read"] += 1
        except Exception as exc:  # what kind it is, is the point
            assert user_error(exc) is not None, (n, repr(exc))
            outcomes["message"] += 1
    assert outcomes["message"] and outcomes["read"], outcomes


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_each_kind_of_wrong_file_is_named_for_what_it_is(tmp_path):
    zeros = _zip(tmp_path / "zeros.xlsx", {"[Content_Types].xml": bytes(2000), "xl/workbook.xml": bytes(2000)})
    said = refusal(zeros)
    assert "已损坏" in said and "UTF-16" not in said, said
    utf16 = _zip(tmp_path / "utf16.xlsx", {"[Content_Types].xml": "<?xml version='1.0'?><Types/>".encode("utf-16"),
                                           "xl/workbook.xml": b"<workbook/>"})
    assert "UTF-16" in refusal(utf16)
    said = refusal(_zip(tmp_path / "archive.xlsx", {"说明.txt": "你好".encode()}))
    assert said.count("不是 Excel 工作簿") == 1 and "压缩包" in said, said
    json_file = tmp_path / "record.xlsx"
    json_file.write_text('{"name": "合肥量子科技有限公司", "sector": "quantum"}', encoding="utf-8")
    said = refusal(json_file)
    assert "JSON" in said and "CSV" not in said, said
    csv_file = tmp_path / "list.xlsx"
    csv_file.write_text("企业名称,统一社会信用代码\n合肥量子,91340100MA2NF8XL36\n", encoding="utf-8")
    assert "CSV" in refusal(csv_file)


def test_the_choice_lists_sheet_comes_back_without_an_errors_column(office, tmp_path):
    from desktop.services.exchange.template import LISTS_SHEET, write_template

    checker = default_checker(office.paths.root)
    form = checker.registry.form("enterprise")
    path = tmp_path / "模板.xlsx"
    write_template(form, path)
    book = load_workbook(path)
    main = book[sheets_of(form)[0].name]
    headers = sheets_of(form)[0].headers
    row: list = ["row-1", None, None] + [None] * (len(headers) - 3)
    row[headers.index("统一社会信用代码")] = "不是信用代码"
    main.append(row)
    book.save(path)
    report = tmp_path / "report.xlsx"
    last = list(import_workbook(RecordService(office, checker), checker.registry, path, report_path=report))[-1]
    assert last.imported == 0 and last.problems
    written = load_workbook(report, read_only=True)
    assert ERRORS_HEADER in [c for c in next(written[main.title].iter_rows(values_only=True))]
    def values(sheet) -> list[tuple]:
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        return [row[:max((i + 1 for i, v in enumerate(row) if v is not None), default=0)] for row in rows]

    lists = values(written[LISTS_SHEET])
    assert lists == values(load_workbook(path, read_only=True)[LISTS_SHEET])
    assert not any(isinstance(v, str) and v.startswith(ERRORS_HEADER) for row in lists for v in row)
