"""Audit export: what is written, and that verify-export catches every change."""

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest

from desktop.services.checking import default_checker
from desktop.services.exchange.export import export_office
from desktop.services.exchange.verify import verify_export
from desktop.services.records import RecordService
from forms.examples import example
from tests.conftest import ROOT
from tests.office.conftest import enterprise

# Stable under NFKC (the forms engine normalises input): CJK extension A and B, rare and
# old forms, Chinese punctuation.
HARD_CHINESE = "𠀀𪚥鿿〇丨乂亍亓亼㐀䶵龥〖〗「」『』“”・—安徽省合肥市蜀山区"


@pytest.fixture
def exported(office, tmp_path):
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    for form in checker.registry.forms():
        service.add(form.id, example(form.id), final=True)
    for i in range(20):
        saved = service.add("enterprise", enterprise(i, remarks=f"{HARD_CHINESE}{i}"))
        if i % 5 == 0:
            service.edit(saved.record_id, enterprise(i, remarks=f"改过 {i}"))
    out = tmp_path / "export"
    steps = list(export_office(office, checker.registry, out))
    assert steps[-1].step == "done"
    return out, service


def test_unenrolled_export_verifies_but_says_nothing_anchors_it(exported, tmp_path):
    out, _ = exported
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(out, copy)
    empty_home = tmp_path / "no-office-here"
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "verify-export", str(copy)],
        capture_output=True, text=True, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "ANHUI_COLLECT_HOME": str(empty_home), "HOME": str(empty_home)},
    )
    # Internally consistent, but nothing in it is signed by the province: a distinct exit code.
    assert result.returncode == 3, result.stdout + result.stderr
    assert "核验通过" in result.stdout and "未锚定" in result.stdout
    assert not empty_home.exists()


def _files(out):
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


def test_every_single_byte_change_and_every_deletion_is_named(exported, tmp_path):
    out, _ = exported
    files = _files(out)
    assert "manifest.json" in files and "manifest.sig" in files and "records/records.xlsx" in files
    tried = 0
    for rel in files:
        for position in ("first", "middle", "last"):
            work = tmp_path / f"t{tried}"
            shutil.copytree(out, work)
            path = work / rel
            data = bytearray(path.read_bytes())
            index = {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[position]
            data[index] ^= 0x20
            path.write_bytes(bytes(data))
            report = verify_export(work)
            named = {where for where, _, _ in report.problems}
            assert not report.ok, (rel, position)
            # The changed file itself is named (the manifest's own change shows as its signature).
            assert rel in named or (rel == "manifest.json" and "manifest.sig" in named), (rel, named)
            shutil.rmtree(work)
            tried += 1
        work = tmp_path / f"d{tried}"
        shutil.copytree(out, work)
        (work / rel).unlink()
        report = verify_export(work)
        assert not report.ok and any(rel in where or where in ("manifest.json", "manifest.sig") for where, _, _ in report.problems), rel
        shutil.rmtree(work)
    assert tried == 3 * len(files)


def test_record_tampering_with_recomputed_file_hash_is_caught_by_the_signature(exported):
    out, _ = exported
    path = out / "records" / "enterprise.jsonl"
    lines = path.read_bytes().splitlines()
    row = json.loads(lines[0])
    row["data"]["name"] = "伪造企业"
    lines[0] = json.dumps(row, ensure_ascii=False).encode()
    path.write_bytes(b"\n".join(lines) + b"\n")
    # A forger also rewrites the manifest's hash for the file; the signature then fails,
    # and the record no longer matches the version history either.
    manifest = json.loads((out / "manifest.json").read_text())
    import hashlib

    data = path.read_bytes()
    manifest["files"]["records/enterprise.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    report = verify_export(out)
    named = [where for where, _, _ in report.problems]
    assert "manifest.sig" in named
    assert any(row["record_id"] in where for where in named)


def test_csv_has_bom_and_round_trips_every_chinese_character(exported):
    out, service = exported
    raw = (out / "records" / "enterprise.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    remarks = header.index("备注")
    stored = {r["record_id"]: service.current_data(r["record_id"]).get("remarks") for r in service.query(form="enterprise")}
    for row in rows[1:]:
        assert row[remarks] == (stored[row[0]] or "")
    assert any(HARD_CHINESE in row[remarks] for row in rows[1:])


def test_export_refuses_a_non_empty_folder_and_unknown_form(office, tmp_path):
    from desktop.errors import InvalidInput
    from forms.errors import UnknownForm

    checker = default_checker(office.paths.root)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(InvalidInput):
        list(export_office(office, checker.registry, tmp_path / "busy"))
    with pytest.raises(UnknownForm):
        list(export_office(office, checker.registry, tmp_path / "new", forms=["nope"]))
    assert not (tmp_path / "new").exists() and not (tmp_path / "new.partial").exists()


def test_cancelled_export_leaves_nothing_behind(office, tmp_path):
    checker = default_checker(office.paths.root)
    RecordService(office, checker).add("enterprise", example("enterprise"))
    steps = export_office(office, checker.registry, tmp_path / "out")
    next(steps)  # started: the staging folder exists
    assert (tmp_path / "out.partial").exists()
    steps.close()  # what a Cancel button does
    assert not (tmp_path / "out.partial").exists() and not (tmp_path / "out").exists()


def test_workbook_is_laid_out_for_people(exported):
    from openpyxl import load_workbook

    out, service = exported
    book = load_workbook(out / "records" / "records.xlsx")
    ws = book["企业"] if "企业" in book.sheetnames else book.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == f"A1:{ws.cell(1, len(headers)).column_letter}{ws.max_row}"
    assert "最后修改（北京时间）" in headers and all(c.font.b for c in ws[1])
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    updated = headers.index("最后修改（北京时间）")
    record = service.get(rows[0][0])
    utc = record["updated_at"]
    assert rows[0][updated].strftime("%H") == f"{(int(utc[11:13]) + 8) % 24:02d}"  # a date cell, in UTC+8
    credit = headers.index("统一社会信用代码")
    assert all(isinstance(r[credit], str) for r in rows)  # identifiers stay text, never 9.13E+17
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["A"] >= 36 and max(widths.values()) <= 61  # record ids fit; nothing absurdly wide
    dates = [f for f in service.checker.registry.form("enterprise").fields if f.type == "date"]  # type: ignore[attr-defined]
    for f in dates:
        column = next((i for i, h in enumerate(headers) if h.startswith(f.label("zh"))), None)
        values = [r[column] for r in rows if column is not None and r[column] is not None]
        assert all(hasattr(v, "year") for v in values), f.id


def test_a_filtered_export_verifies_and_says_it_is_filtered(exported, tmp_path):
    _, service = exported
    out = tmp_path / "only-enterprises"
    list(export_office(service.office, service.checker.registry, out, forms=["enterprise"], since="2000-01-01"))  # type: ignore[attr-defined]
    report = verify_export(out)
    assert report.ok and report.checked["history"] > 0
    result = subprocess.run([sys.executable, "-m", "desktop.cli", "verify-export", str(out)], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 3 and "筛选过的导出（表单：enterprise；修改日期不早于：2000-01-01）" in result.stdout


PARSER_WORDS = ("codec", "zip file", "Expecting", "decode", "Error", "not a readable")


@pytest.mark.parametrize(("harm", "where", "words"), [
    (lambda w: (w / "manifest.json").write_bytes(b"\x00garbage{"), "manifest.json", "清单文件已损坏"),
    (lambda w: (w / "manifest.json").write_bytes(b"\xff\xfe{\x00}\x00"), "manifest.json", "清单文件已损坏"),
    (lambda w: (w / "manifest.json").write_text("[1, 2]"), "manifest.json", "不是 anhui-collect 导出的清单"),
    (lambda w: (w / "manifest.json").unlink(), "manifest.json", "清单文件缺失"),
    (lambda w: (w / "records/records.xlsx").write_bytes((w / "records/records.xlsx").read_bytes()[:3000]),
     "records/records.xlsx", "工作簿已损坏"),
    (lambda w: (w / "records/records.xlsx").unlink(), "records/records.xlsx", "文件缺失：其中各表无从核对"),
    (lambda w: (w / "records/enterprise.csv").unlink(), "records/enterprise.csv", "文件缺失：其中应有的 21 行"),
])
def test_a_broken_manifest_workbook_or_missing_table_is_named_once(exported, tmp_path, harm, where, words):
    out, _ = exported
    work = tmp_path / "harmed"
    shutil.copytree(out, work)
    harm(work)
    report = verify_export(work)
    about = [(w, zh) for w, zh, _en in report.problems if w.startswith(where)]
    # One message for the file, in words: no line per row, no parser's own text.
    assert len(about) <= 2 and any(words in zh for _w, zh in about), report.problems[:5]
    assert len(report.problems) <= 3, report.problems[:10]
    assert not any(p in zh for _w, zh, _en in report.problems for p in PARSER_WORDS), report.problems[:5]


def test_an_export_is_the_office_as_it_was_when_it_began(office, tmp_path):
    """Saves made while an export runs (the app exports on a worker while clerks type) are
    not in it, in none of its files, and it verifies."""
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    first = [service.add("enterprise", enterprise(i)).record_id for i in range(3)]
    out = tmp_path / "export"
    steps = export_office(office, checker.registry, out)
    next(steps)  # the export has begun reading
    later = service.add("enterprise", enterprise(10)).record_id
    service.edit(first[0], enterprise(0, remarks="导出开始后改的"))
    assert list(steps)[-1].step == "done"
    records = [json.loads(line) for line in (out / "records" / "enterprise.jsonl").read_text("utf-8").splitlines()]
    assert [r["record_id"] for r in records] == first
    assert "导出开始后改的" not in (out / "history" / "versions.jsonl").read_text("utf-8")
    chain = (out / "history" / "chain.jsonl").read_text("utf-8")
    assert later not in chain
    assert verify_export(out).ok


def test_an_export_cancelled_on_a_worker_leaves_no_half_folder(office, tmp_path):
    """The app exports on a clone of the office and closes the clone when the job is
    cancelled, before the export itself is let go: the half-written folder still goes."""
    from desktop.gui.worker_office import iterate_on_clone

    checker = default_checker(office.paths.root)
    RecordService(office, checker).add("enterprise", enterprise(1))
    job = iterate_on_clone(office, lambda worker: export_office(worker, checker.registry, tmp_path / "export"))
    assert next(job).step == "records"
    job.close()
    assert not (tmp_path / "export.partial").exists() and not (tmp_path / "export").exists()
