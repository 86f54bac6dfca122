"""Evidence files at the office: attached from the command line, kept encrypted, named by the
signed version, listed and written back out; every wrong file is a clear message.

The files are random bytes behind a real PDF/PNG header, so a run of 64 of their bytes is
found in a plaintext copy anywhere and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.services.attachments import Attachments
from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.store.integrity import check_store
from desktop.store.office import Office
from forms.attachments import clean_name, sniff
from forms.canonical import content_hash
from forms.examples import example
from tests.conftest import PASSPHRASE, cli_env, run_cli


def platform_data() -> dict:
    data = example("platform")
    assert data is not None
    return data


def pdf_bytes(size: int, seed: int = 1) -> bytes:
    body = hashlib.shake_256(f"evidence-{seed}".encode()).digest(size - 20)
    return b"%PDF-1.7\n" + body + b"\n%%EOF\n" + b"\n" * 4


def add_platform(service: RecordService) -> str:
    return service.add("platform", platform_data()).record_id


def files_holding(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    hits.append(path)
            except OSError:
                pass
    return hits


@pytest.fixture
def service(office: Office) -> RecordService:
    return RecordService(office, default_checker(office.paths.root))


def test_attach_list_extract_from_the_command_line_with_nothing_in_plaintext(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        record_id = add_platform(RecordService(office, default_checker(office_dir)))
    content = pdf_bytes(2_500_000)
    source = tmp_path / "in" / "皖科基〔2025〕12号批复.pdf"
    source.parent.mkdir()
    source.write_bytes(content)
    temp = tmp_path / "temp"
    temp.mkdir()
    result = run_cli(office_dir, "record", "attach", record_id, "approval_files", str(source), TMPDIR=str(temp))
    assert result.returncode == 0, result.stderr
    digest = hashlib.sha256(content).hexdigest()
    assert digest in result.stdout and "2.4 MB" in result.stdout

    # The signed version names the file: hash, size, kind and name are part of its content hash.
    shown = json.loads(run_cli(office_dir, "record", "show", record_id, "--json").stdout)
    entry = {"sha256": digest, "size": len(content), "media_type": "application/pdf", "name": source.name}
    assert shown["data"]["approval_files"] == [entry]
    assert shown["form_version"] == 2
    assert shown["content_hash"] == content_hash("platform", 2, shown["data"])

    listed = json.loads(run_cli(office_dir, "record", "attachments", record_id, "--json").stdout)
    assert [(r["sha256"], r["size"], r["field"], r["uploaded"]) for r in listed] == [(digest, len(content), "approval_files", False)]
    plain = run_cli(office_dir, "record", "attachments", record_id)
    assert "批复文件" in plain.stdout and "未上传" in plain.stdout and source.name in plain.stdout

    # Nothing of it on disk in the office folder or the temp folder: 64 bytes from its middle.
    needle = content[1_000_000:1_000_064]
    assert files_holding(office_dir, needle) == []
    assert files_holding(temp, needle) == []

    out = tmp_path / "out"
    out.mkdir()
    extracted = run_cli(office_dir, "record", "extract", record_id, digest[:12], "--to", str(out), TMPDIR=str(temp))
    assert extracted.returncode == 0, extracted.stderr
    assert (out / source.name).read_bytes() == content
    assert oct((out / source.name).stat().st_mode & 0o777) == "0o600"
    again = run_cli(office_dir, "record", "extract", record_id, digest, "--to", str(out))
    assert again.returncode != 0 and "已存在" in again.stderr and "--force" in again.stderr
    assert files_holding(temp, needle) == []
    assert check_store(office_dir, None, PASSPHRASE).ok
    checked = run_cli(office_dir, "check")
    assert checked.returncode == 0 and "1 个附件" in checked.stdout, checked.stdout + checked.stderr


@pytest.mark.parametrize(("make", "expected"), [
    (lambda d: d / "缺少.pdf", "找不到文件"),
    (lambda d: d, "是一个文件夹"),
    (lambda d: _write(d / "空.pdf", b""), "是空的（0 字节）"),
    (lambda d: _write(d / "表格.pdf", b"PK\x03\x04" + os.urandom(5000)), "扩展名是 .pdf，但内容不是 PDF 文件"),
    (lambda d: _write(d / "照片.png", b"GIF89a" + os.urandom(500)), "扩展名是 .png，但内容不是 PNG 图片"),
    (lambda d: _write(d / "说明.docx", os.urandom(500)), "只能附加 PDF、OFD、JPEG 或 PNG 文件"),
    (lambda d: _sparse(d / "大.pdf", 21 * 1024 * 1024), "太大（21 MB），此项附件每个不超过 20 MB"),
    (lambda d: _sparse(d / "刚超.pdf", 20 * 1024 * 1024 + 9), "太大（20,971,529 字节），此项附件每个不超过 20 MB（20,971,520 字节）"),
    (lambda d: Path("/dev/zero"), "不是普通文件"),
])
def test_wrong_files_are_named_in_chinese_and_nothing_is_saved(service, tmp_path, make, expected):
    record_id = add_platform(service)
    path = make(tmp_path)
    attachments = Attachments(service)
    with pytest.raises(Exception) as caught:
        attachments.attach(record_id, path)
    assert expected in caught.value.message_zh  # type: ignore[attr-defined]
    assert service.get(record_id)["version_count"] == 1
    assert service.db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(size)
    return path


def test_a_name_never_carries_a_path_and_a_forged_entry_is_refused(service, tmp_path):
    record_id = add_platform(service)
    # A file whose own name holds backslashes and dots: the record keeps only its last part.
    odd = _write(tmp_path / "..\\..\\Windows\\evil.pdf", pdf_bytes(4000, seed=2))
    saved, entry = Attachments(service).attach(record_id, odd)
    assert entry["name"] == "evil.pdf" and saved.number == 2
    assert clean_name("../../etc/passwd") == "passwd" and clean_name("..") == "附件"
    assert clean_name("a\x00b\u202ec.pdf") == "abc.pdf"

    data = service.current_data(record_id)
    for forged, why in [
        (dict(entry, name="../../x.pdf"), "文件名不能含路径"),
        (dict(entry, sha256="0" * 64), "不在本机存储中"),  # a hash the office holds no file for
        (dict(entry, size=0), "附件大小应在 1 字节到 20 MB 之间"),
        (dict(entry, media_type="text/html"), "只能是 PDF、OFD、JPEG 或 PNG"),
        (dict(entry, extra=1), "应写明 sha256、size、media_type 和 name"),
    ]:
        with pytest.raises(Exception) as caught:
            service.edit(record_id, dict(data, approval_files=[forged]))
        assert why in caught.value.message_zh, forged  # type: ignore[attr-defined]
    with pytest.raises(Exception) as caught:
        service.edit(record_id, dict(data, approval_files=[entry, entry]))
    assert "同一文件附加了两次" in caught.value.message_zh  # type: ignore[attr-defined]
    # The clerk may still remove a file from the record (its bytes stay with the old version).
    assert service.edit(record_id, dict(data, approval_files=[])).number == 3


def test_the_same_file_is_stored_once_and_the_content_is_told_by_its_bytes(service, tmp_path):
    first, second = add_platform(service), add_platform(service)
    content = pdf_bytes(300_000, seed=3)
    for record_id in (first, second):
        Attachments(service).attach(record_id, _write(tmp_path / f"{record_id}.pdf", content))
    assert service.db.execute("SELECT count(*), sum(size) FROM attachments").fetchone() == (1, len(content))
    with pytest.raises(Exception, match="already has this file"):
        Attachments(service).attach(first, tmp_path / f"{first}.pdf")
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(100)
    assert sniff(png) == "image/png" and sniff(b"\xff\xd8\xff\xe0" + os.urandom(10)) == "image/jpeg"
    assert sniff(b"junk" * 10 + b"%PDF-1.7") == "application/pdf"  # readers look in the first KB
    assert sniff(b"x" * 2000 + b"%PDF-1.7") is None


def test_a_form_without_attachment_fields_says_so(service, tmp_path):
    from tests.office.conftest import enterprise

    record_id = service.add("enterprise", enterprise(1)).record_id
    with pytest.raises(Exception) as caught:
        Attachments(service).attach(record_id, _write(tmp_path / "a.pdf", pdf_bytes(2000)))
    assert "没有附件项" in caught.value.message_zh  # type: ignore[attr-defined]
    unknown = add_platform(service)
    with pytest.raises(Exception) as caught:
        Attachments(service).attach(unknown, tmp_path / "a.pdf", field_id="photos")
    assert "没有附件项“photos”" in caught.value.message_zh  # type: ignore[attr-defined]


ATTACHER = """
import sys
from desktop.store.office import Office
from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.services.attachments import Attachments
office = Office.unlock(sys.argv[1], None, sys.argv[2])
service = RecordService(office, default_checker(sys.argv[1]))
print("ready", flush=True)
for path in sys.argv[4:]:
    Attachments(service).attach(sys.argv[3], path)
    print("attached", path, flush=True)
"""


def test_a_process_killed_while_attaching_leaves_the_file_and_its_version_together_or_neither(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        record_id = add_platform(RecordService(office, default_checker(office_dir)))
    paths = []
    for i in range(6):
        paths.append(_write(tmp_path / f"f{i}.pdf", pdf_bytes(15 * 1024 * 1024, seed=10 + i)))
    proc = subprocess.Popen([sys.executable, "-c", ATTACHER, str(office_dir), PASSPHRASE, record_id, *map(str, paths)],
                            stdout=subprocess.PIPE, text=True, env=cli_env(office_dir))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    wal = office_dir / "office.db-wal"
    start = wal.stat().st_size if wal.exists() else 0
    deadline = time.monotonic() + 60
    # Killed once the write-ahead log is growing: a file's pieces are being written.
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < start + 4 * 1024 * 1024):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    done = [line for line in proc.stdout if line.startswith("attached")]
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(done) < len(paths)

    report = check_store(office_dir, None, PASSPHRASE)
    assert report.ok, report.problems
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        named = {e["sha256"] for e in service.current_data(record_id).get("approval_files") or []}
        stored = {r[0] for r in office.db.execute("SELECT sha256 FROM attachments").fetchall()}
        assert named == stored  # no file without the version naming it, no version without its file
        assert service.get(record_id)["version_count"] == 1 + len(stored)
        assert len(stored) in (len(done), len(done) + 1)


def test_a_standard_takes_its_text_and_at_most_five_files(service, tmp_path):
    # A standard saved under v1 of its form (before v2 had a place for its text).
    checked, blocking = service.check("standard", example("standard"), final=True, form_version=1)
    assert not blocking
    record_id = service.add_checked([checked], final=True)[0].record_id
    assert service.get(record_id)["form_version"] == 1
    attachments = Attachments(service)
    for i in range(5):
        saved, _ = attachments.attach(record_id, _write(tmp_path / f"第{i}部分.pdf", pdf_bytes(3000, seed=40 + i)), final=True)
    assert saved.status == "final" and service.get(record_id)["form_version"] == 2
    assert len(service.current_data(record_id)["standard_text"]) == 5
    with pytest.raises(Exception) as caught:
        attachments.attach(record_id, _write(tmp_path / "第6部分.pdf", pdf_bytes(3000, seed=46)))
    assert "标准文本：最多附加 5 个文件，请先移除不需要的文件" in caught.value.message_zh  # type: ignore[attr-defined]
    assert service.get(record_id)["version_count"] == 6


@pytest.mark.parametrize(("planted", "where"), [
    ("link to /dev/zero", "attachment"), ("named pipe", "attachment"),
    ("link to /dev/zero", "history/versions.jsonl"), ("named pipe", "history/versions.jsonl"),
])
def test_verify_export_names_a_link_or_pipe_where_a_file_should_be_and_still_ends(office_dir, tmp_path, planted, where):
    from desktop.services.exchange.attachments_out import check_attachments
    from desktop.services.exchange.export import export_office
    from desktop.services.exchange.report import VerifyReport

    content = pdf_bytes(50_000)
    source = _write(tmp_path / "批复.pdf", content)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        record_id = add_platform(service)
        Attachments(service).attach(record_id, source, final=True)
        out = tmp_path / "export"
        list(export_office(office, service.checker.registry, out))  # type: ignore[attr-defined]
    rel = f"attachments/{hashlib.sha256(content).hexdigest()}.pdf" if where == "attachment" else where
    (out / rel).unlink()
    if planted == "named pipe":
        os.mkfifo(out / rel)
    else:
        (out / rel).symlink_to("/dev/zero")
    # Reading either never ends: the auditor's check must not open it.
    result = subprocess.run([sys.executable, "-m", "desktop.cli", "verify-export", str(out)], capture_output=True,
                            text=True, env=cli_env(tmp_path / "nowhere"), timeout=60)
    assert result.returncode != 0
    assert f"{rel}: 不是普通文件（链接、管道或设备）" in result.stdout + result.stderr, result.stdout + result.stderr
    if where == "attachment":
        # The attachment check on its own opens no such file either, and names the record.
        report = VerifyReport()
        check_attachments(out, report)
        assert any(w == rel and "附件不是普通文件" in zh and record_id in zh for w, zh, _ in report.problems)


def test_two_attaches_at_once_keep_both_files(service, tmp_path):
    import threading

    record_id = add_platform(service)
    first = _write(tmp_path / "一.pdf", pdf_bytes(30_000, seed=31))
    second = _write(tmp_path / "二.pdf", pdf_bytes(30_000, seed=32))
    office = service.office
    # The writer is held busy until both attaches have read their file and queued their job,
    # as when two windows or two commands attach to the same record together.
    hold = threading.Event()
    busy = office.submit(lambda db: hold.wait(30))
    errors: list[BaseException] = []

    def attach(path: Path) -> None:
        try:
            Attachments(service).attach(record_id, path)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=attach, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while office.writer._jobs.qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    hold.set()
    busy.result(timeout=30)
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    names = sorted(e["name"] for e in service.current_data(record_id)["approval_files"])
    assert names == ["一.pdf", "二.pdf"]
    assert service.get(record_id)["version_count"] == 3


def test_a_file_keeps_and_is_written_with_the_suffix_of_what_it_is(service, tmp_path):
    # A program whose first kilobyte holds "%PDF-" is read as a PDF (as PDF readers do); it
    # must never come back out under a name a double click would run.
    content = b"MZ" + b"\0" * 60 + b"%PDF-1.4 " + os.urandom(3000)
    record_id = add_platform(service)
    _saved, entry = Attachments(service).attach(record_id, _write(tmp_path / "报告.pdf.exe", content))
    assert entry["name"] == "报告.pdf.exe.pdf" and entry["media_type"] == "application/pdf"
    photo = b"\xff\xd8\xff\xe0" + os.urandom(3000)
    _saved, kept = Attachments(service).attach(record_id, _write(tmp_path / "现场.jpeg", photo))
    assert kept["name"] == "现场.jpeg"
    # A version naming a stored file otherwise (an older office, an edited record) is written
    # out with the suffix added.
    service.edit(record_id, dict(service.current_data(record_id), approval_files=[dict(entry, name="说明.exe")]))
    out = tmp_path / "out"
    out.mkdir()
    written = Attachments(service).extract(record_id, entry["sha256"], out)
    assert written == out / "说明.exe.pdf" and written.read_bytes() == content


def test_attaching_to_a_final_record_says_it_is_a_draft_again(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data(), final=True).record_id
    first = _write(tmp_path / "批复.pdf", pdf_bytes(20_000, seed=41))
    result = run_cli(office_dir, "record", "attach", record_id, str(first))
    assert result.returncode == 0, result.stderr
    assert "原为“已定稿”，现已改回草稿，同步时不会发送" in result.stdout and f"record finalize {record_id}" in result.stdout
    assert json.loads(run_cli(office_dir, "record", "show", record_id, "--json").stdout)["status"] == "draft"
    # With --final it stays final, and a draft staying a draft is nothing to say.
    kept = run_cli(office_dir, "record", "attach", record_id, str(_write(tmp_path / "二.pdf", pdf_bytes(20_000, seed=42))),
                   "--final")
    assert kept.returncode == 0 and "草稿" not in kept.stdout, kept.stdout + kept.stderr
    (tmp_path / "rec.json").write_text(json.dumps(platform_data(), ensure_ascii=False), encoding="utf-8")
    edited = run_cli(office_dir, "record", "edit", record_id, "--file", str(tmp_path / "rec.json"))
    assert edited.returncode == 0 and "现已改回草稿" in edited.stdout, edited.stdout + edited.stderr
    again = run_cli(office_dir, "record", "edit", record_id, "--file", str(tmp_path / "rec.json"))
    assert again.returncode == 0 and "草稿" not in again.stdout, again.stdout + again.stderr


def test_a_long_chinese_name_is_written_back_out_into_a_folder(service, tmp_path):
    # 80 Chinese characters fill 244 of a name's 255 bytes on this disk; a Windows office may
    # keep 120 (360 bytes). Both come back out, the longer shortened with its suffix kept.
    record_id = add_platform(service)
    content = pdf_bytes(20_000, seed=61)
    local = "长" * 80 + ".pdf"
    _saved, entry = Attachments(service).attach(record_id, _write(tmp_path / local, content))
    assert entry["name"] == local
    out = tmp_path / "out"
    out.mkdir()
    assert Attachments(service).extract(record_id, entry["sha256"], out).read_bytes() == content
    assert sorted(p.name for p in out.iterdir()) == [local]
    windows = "宽" * 116 + ".pdf"
    service.edit(record_id, dict(service.current_data(record_id), approval_files=[dict(entry, name=windows)]))
    written = Attachments(service).extract(record_id, entry["sha256"], out)
    assert written.read_bytes() == content and written.name.endswith(".pdf") and written.name.startswith("宽" * 80)
    assert len(written.name.encode()) <= 255 and sorted(p.name for p in out.iterdir()) == sorted([local, written.name])


def test_extract_to_a_name_too_long_for_the_disk_says_so_in_chinese(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        record_id = add_platform(service)
        _saved, entry = Attachments(service).attach(record_id, _write(tmp_path / "批复.pdf", pdf_bytes(5_000, seed=62)))
    target = tmp_path / ("a" * 300 + ".pdf")
    result = run_cli(office_dir, "record", "extract", record_id, entry["sha256"], "--to", str(target))
    assert result.returncode == 1 and "文件名太长" in result.stderr and "Errno" not in result.stderr, result.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_export_says_how_many_files_it_holds_and_how_the_auditor_checks_them(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        record_id = add_platform(service)
        Attachments(service).attach(record_id, _write(tmp_path / "批复.pdf", pdf_bytes(5_000, seed=63)), final=True)
    out = tmp_path / "export"
    result = run_cli(office_dir, "export", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 个附件" in result.stdout and f"verify-export {out} --province-key 省级公钥.pem" in result.stdout, result.stdout


def test_check_names_every_damaged_file_and_the_records_naming_it(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        first, second = add_platform(service), service.add("platform", dict(platform_data(), name="另一平台（示例）")).record_id
        _s, a = Attachments(service).attach(first, _write(tmp_path / "a.pdf", pdf_bytes(5_000, seed=64)))
        _s, b = Attachments(service).attach(second, _write(tmp_path / "b.pdf", pdf_bytes(5_000, seed=65)))
        triggers = office.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = 'attachment_pieces'").fetchall()

        def damage(db) -> None:
            # What a disk fault or a hand at the database could leave: one file altered, one cut short.
            for name, _sql in triggers:
                db.execute(f"DROP TRIGGER {name}")
            db.execute("UPDATE attachment_pieces SET data = ? WHERE sha256 = ?", [b"%PDF-1.4 altered", a["sha256"]])
            db.execute("DELETE FROM attachment_pieces WHERE sha256 = ?", [b["sha256"]])
            for _name, sql in triggers:
                db.execute(sql)

        office.write(damage)
    report = check_store(office_dir, None, PASSPHRASE)
    assert not report.ok
    said = [zh for zh, _en in report.problems]
    assert any(a["sha256"] in p and first in p and "请用原件重新附加" in p for p in said), said
    assert any(b["sha256"] in p and second in p for p in said), said
    # Nor is such a store exported: the office would sign a file it no longer holds.
    out = tmp_path / "export"
    result = run_cli(office_dir, "export", "--out", str(out))
    assert result.returncode == 1 and "已损坏（哈希不符），未导出" in result.stderr, result.stdout + result.stderr
    assert not out.exists() and not (tmp_path / "export.partial").exists()


def _attachments_table(office_dir: Path, record_id: str) -> list[str]:
    result = run_cli(office_dir, "record", "attachments", record_id)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_detach_removes_a_wrong_file_as_a_new_version_and_keeps_its_bytes(office_dir, tmp_path):
    from forms.text import display_width

    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        record_id = RecordService(office, default_checker(office_dir)).add("platform", platform_data(), final=True).record_id
    wrong, right = pdf_bytes(20_000, seed=51), pdf_bytes(20_000, seed=52)
    for name, content in (("错附的通知.pdf", wrong), ("批复.pdf", right)):
        attached = run_cli(office_dir, "record", "attach", record_id, str(_write(tmp_path / name, content)), "--final")
        assert attached.returncode == 0, attached.stderr
    wrong_hash = hashlib.sha256(wrong).hexdigest()

    # The table has a Chinese header, each heading over its column by display width.
    header, *rows = _attachments_table(office_dir, record_id)
    assert header.split() == ["SHA-256", "大小", "附件项", "上传", "文件名"]
    for heading, cell in (("附件项", "批复文件"), ("上传", "未上传"), ("文件名", "批复.pdf")):
        assert display_width(header[:header.index(heading)]) == display_width(rows[1][:rows[1].index(cell)])

    result = run_cli(office_dir, "record", "detach", record_id, wrong_hash[:8])
    assert result.returncode == 0, result.stderr
    assert "已从“批复文件”移除 错附的通知.pdf" in result.stdout and wrong_hash in result.stdout
    assert "原为“已定稿”，现已改回草稿" in result.stdout and f"record finalize {record_id}" in result.stdout
    shown = json.loads(run_cli(office_dir, "record", "show", record_id, "--json").stdout)
    assert shown["status"] == "draft"
    assert [e["name"] for e in shown["data"]["approval_files"]] == ["批复.pdf"]
    assert len(_attachments_table(office_dir, record_id)) == 2  # header and the one file left
    # The bytes stay: the earlier version still names them and they still come back out.
    out = tmp_path / "out"
    out.mkdir()
    extracted = run_cli(office_dir, "record", "extract", record_id, wrong_hash[:10], "--to", str(out))
    assert extracted.returncode == 0, extracted.stderr
    assert (out / "错附的通知.pdf").read_bytes() == wrong
    # Removed once, it is no longer the current version's to remove.
    again = run_cli(office_dir, "record", "detach", record_id, wrong_hash)
    assert again.returncode != 0 and f"没有哈希为 {wrong_hash} 的附件" in again.stderr, again.stdout + again.stderr
    # With --final a final record stays final: nothing to warn about.
    last = run_cli(office_dir, "record", "detach", record_id, hashlib.sha256(right).hexdigest()[:12], "--final")
    assert last.returncode == 0 and "草稿" not in last.stdout, last.stdout + last.stderr
    assert "此记录没有附件" in run_cli(office_dir, "record", "attachments", record_id).stdout


def test_detach_says_in_chinese_what_is_wrong_and_saves_nothing(office_dir, tmp_path):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        record_id = add_platform(service)
        # Seeds 2277 and 50700 give files whose SHA-256 share their first 8 digits (56157144).
        for seed in (2277, 50700):
            Attachments(service).attach(record_id, _write(tmp_path / f"{seed}.pdf", pdf_bytes(2000, seed=seed)))
        versions = service.get(record_id)["version_count"]
    other = hashlib.sha256(b"never attached").hexdigest()
    for argv, expected in (
        (["NO-SUCH-RECORD", other[:8]], "NO-SUCH-RECORD"),
        ([record_id, other[:8]], f"没有哈希为 {other[:8]} 的附件"),
        ([record_id, "5615"], "应为 8 至 64 位十六进制数字"),
        ([record_id, "批复文件批复文件"], "应为 8 至 64 位十六进制数字"),
        ([record_id, "56157144"], "有多个附件的哈希以 56157144 开头，请多写几位"),
        ([record_id, "56157144", "--field", "photos"], "没有附件项“photos”"),
    ):
        result = run_cli(office_dir, "record", "detach", *argv)
        assert result.returncode != 0, argv
        assert expected in result.stderr and "Traceback" not in result.stderr, (argv, result.stderr)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        assert service.get(record_id)["version_count"] == versions
        assert len(service.current_data(record_id)["approval_files"]) == 2


def test_a_file_in_two_fields_is_detached_from_the_one_named(office_dir, tmp_path):
    # A form version the province published with a second attachment field, as sync stores it.
    form = json.loads((Path(__file__).parents[2] / "forms/definitions/platform.v2.json").read_text("utf-8"))
    form["version"] = 3
    form["fields"].append({"id": "site_photos", "type": "attachment", "max_items": 5, "max_bytes": 1024 * 1024,
                           "label": {"zh": "现场照片", "en": "Site photos"}})
    (office_dir / "published").mkdir(exist_ok=True)
    (office_dir / "published" / "platform.v3.json").write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    both = _write(tmp_path / "批复.pdf", pdf_bytes(3000, seed=61))
    digest = hashlib.sha256(both.read_bytes()).hexdigest()
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        service = RecordService(office, default_checker(office_dir))
        record_id = add_platform(service)
        Attachments(service).attach(record_id, both, field_id="site_photos")
        Attachments(service).attach(record_id, both, field_id="approval_files")
    unnamed = run_cli(office_dir, "record", "detach", record_id, digest[:8])
    assert unnamed.returncode != 0
    assert "同时附在 approval_files（批复文件）、site_photos（现场照片）中，请用 --field 指明" in unnamed.stderr, unnamed.stderr
    named = run_cli(office_dir, "record", "detach", record_id, digest[:8], "--field", "site_photos")
    assert named.returncode == 0 and "已从“现场照片”移除 批复.pdf" in named.stdout, named.stdout + named.stderr
    data = json.loads(run_cli(office_dir, "record", "show", record_id, "--json").stdout)["data"]
    assert not data.get("site_photos") and [e["sha256"] for e in data["approval_files"]] == [digest]


def test_a_detach_and_an_attach_at_once_keep_both_changes(service, tmp_path):
    import threading

    record_id = add_platform(service)
    wrong = _write(tmp_path / "错.pdf", pdf_bytes(30_000, seed=71))
    Attachments(service).attach(record_id, wrong)
    new = _write(tmp_path / "新.pdf", pdf_bytes(30_000, seed=72))
    office = service.office
    # The writer is held busy until both have queued their job, as two commands at once.
    hold = threading.Event()
    busy = office.submit(lambda db: hold.wait(30))
    errors: list[BaseException] = []

    def run(action) -> None:
        try:
            action()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    digest = hashlib.sha256(wrong.read_bytes()).hexdigest()
    threads = [threading.Thread(target=run, args=(lambda: Attachments(service).detach(record_id, digest),)),
               threading.Thread(target=run, args=(lambda: Attachments(service).attach(record_id, new),))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while office.writer._jobs.qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    hold.set()
    busy.result(timeout=30)
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert [e["name"] for e in service.current_data(record_id)["approval_files"]] == ["新.pdf"]
    assert service.get(record_id)["version_count"] == 4
