"""Evidence files reach the province: chunked, resumable, checked, exactly once.

A real ``anhui-province serve`` on loopback behind a proxy that loses answers, hangs up
before and in the middle of chunks, and kills the office's sync process mid-upload. The
province's own database is read at the end: one complete upload, its chunks end to end, the
bytes identical to the file, and the record's version accepted only with its file whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from desktop.services.attachments import Attachments
from desktop.services.checking import default_checker
from desktop.services.exchange.export import export_office
from desktop.services.exchange.verify import verify_export
from desktop.services.outbox import OfficeOutbox
from desktop.services.records import RecordService
from desktop.services.sync_office import SyncFailed, enroll_office, sync_office
from desktop.store.office import Office
from sync import dsse
from sync.encoding import canonical_json
from sync.uploads import CHUNK_HEADER, CHUNK_TYPE, ChunkHeader, header_value
from tests.conftest import PASSPHRASE, ROOT, cli_env
from tests.office.test_attachments import files_holding, pdf_bytes, platform_data
from tests.office.test_office_sync import new_code
from tests.sync.conftest import postgres  # noqa: F401 (the session's PostgreSQL cluster)
from tests.sync.proxy import LossyProxy
from tests.sync.servers import ProvinceServer

MB = 1024 * 1024
CHUNK = "/v1/attachments/chunks"


def province_db(province: ProvinceServer) -> sqlite3.Connection:
    return sqlite3.connect(province.data_dir / "province.sqlite3")


@pytest.fixture
def small_chunks(tmp_path: Path):
    # Bodies of at most 2 MiB make 1 MiB chunks: fifteen of them for a 15 MB file.
    server = ProvinceServer(tmp_path / "province")
    server.start("--max-body-bytes", str(2 * MB))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def any_province(request: pytest.FixtureRequest, tmp_path: Path):
    url = request.getfixturevalue("postgres").new_database() if request.param == "postgres" else None
    server = ProvinceServer(tmp_path / "province", url)
    server.start()
    yield server
    server.stop()


def uploads(province: ProvinceServer) -> list[dict]:
    return json.loads(province.cli("attachments", "list", "--json"))


def test_a_15_mb_pdf_through_a_dropping_proxy_arrives_once_byte_identical_and_never_in_plaintext(
        office_dir, small_chunks, tmp_path, monkeypatch):
    province = small_chunks
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # this process's temp files, if any
    # Chunk requests (counted from 1 across both syncs): the 4th is stored but the office is
    # killed before it hears; then answers are lost, requests never arrive, and one is cut
    # off halfway through its body.
    plan = {4: "kill", 6: "drop", 7: "reset", 9: "cut", 10: "drop", 12: "reset", 13: "cut"}
    proxy = LossyProxy(province.port, lambda method, path, n: plan.get(n, "pass") if path == CHUNK else "pass")
    content = pdf_bytes(15 * MB, seed=15)
    digest = hashlib.sha256(content).hexdigest()
    source = tmp_path / "批复文件.pdf"
    source.write_bytes(content)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, proxy.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data()).record_id
        Attachments(service).attach(record_id, source, final=True)
    source.unlink()  # from here on the only copy is the office's encrypted one

    # First sync, as a clerk runs it, killed while the file is on its way.
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "sync"], env=cli_env(office_dir, TMPDIR=str(temp)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proxy.kill_pid = proc.pid
    proc.communicate(timeout=120)
    assert proc.returncode == -9
    with province_db(province) as db:
        assert db.execute("SELECT received, completed_at FROM attachment_uploads").fetchall() == [(4 * MB, None)]
        assert db.execute("SELECT count(*) FROM record_versions").fetchone()[0] == 0

    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        # The office heard of three chunks; it resumes from there and learns of the fourth.
        assert office.db.execute("SELECT acknowledged FROM attachment_uploads").fetchall() == [(3 * MB,)]
        summary = sync_office(office)
        assert (summary.attachments, summary.accepted, summary.rejected) == (1, 1, 0)
        listed = Attachments(RecordService(office, default_checker(office_dir))).listing(record_id)
        assert [(r["sha256"], r["uploaded"]) for r in listed] == [(digest, True)]
        again = sync_office(office)  # nothing left to send, the file not again
        assert (again.attachments, again.uploaded_bytes, again.sent) == (0, 0, 0)

    with province_db(province) as db:
        uploads = db.execute("SELECT sha256, size, media_type, received, completed_at IS NOT NULL "
                             "FROM attachment_uploads").fetchall()
        assert uploads == [(digest, len(content), "application/pdf", len(content), 1)]
        chunks = db.execute("SELECT chunk_offset, data FROM attachment_chunks ORDER BY chunk_offset").fetchall()
        assert [offset for offset, _ in chunks] == [i * MB for i in range(15)]  # each once, end to end
        assert b"".join(data for _, data in chunks) == content
        data = json.loads(db.execute("SELECT data FROM record_versions").fetchone()[0])
        assert data["approval_files"][0]["sha256"] == digest
    assert proxy.actions["kill"] == 1 and proxy.actions["drop"] == 2 and proxy.actions["reset"] == 2
    assert proxy.actions["cut"] == 2
    # The file once, plus the seven chunks lost on the way (killed, dropped, reset, cut) sent
    # again, plus the small requests of enrolment, the batch and the pulls.
    assert len(content) + 7 * MB <= proxy.bytes_up <= len(content) + 7 * MB + 256 * 1024

    needle = content[7 * MB:7 * MB + 64]
    assert files_holding(office_dir, needle) == []
    assert files_holding(temp, needle) == []


def test_a_version_naming_a_file_the_province_lacks_is_refused_and_accepted_once_uploaded(small_chunks):
    from sync.protocol import RecordVersion
    from tests.sync.offices import enroll_device

    device = enroll_device(small_chunks)
    content = pdf_bytes(300_000, seed=4)
    entry = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content), "media_type": "application/pdf",
             "name": "批复.pdf"}

    def naming(file: dict) -> RecordVersion:
        return RecordVersion.make(record_id="rec-1", version_id=f"v-{uuid.uuid4()}", form_id="platform",
                                  form_version=2, org_unit=device.org_unit, status="final",
                                  data=dict(platform_data(), approval_files=[file]))

    with device.client() as client:
        refused = client.send_batch(device.batch([naming(entry)]).envelope).receipt
        assert [r.reasons[0].code for r in refused.rejected] == ["attachment_missing"]
        assert "尚未完整上传" in refused.rejected[0].reasons[0].message_zh
        # Half a file is not the file.
        assert not client.upload_chunk(entry["sha256"], len(content), "application/pdf", 0, content[:150_000]).complete
        half = client.send_batch(device.batch([naming(entry)]).envelope).receipt
        assert [r.reasons[0].code for r in half.rejected] == ["attachment_missing"]
        assert client.upload_chunk(entry["sha256"], len(content), "application/pdf", 150_000, content[150_000:]).complete
        # Whole now: accepted, but only as the version names it (a wrong size is still refused).
        wrong = client.send_batch(device.batch([naming(dict(entry, size=len(content) - 1))]).envelope).receipt
        assert [r.reasons[0].code for r in wrong.rejected] == ["attachment_missing"]
        accepted = client.send_batch(device.batch([naming(entry)]).envelope).receipt
        assert len(accepted.accepted) == 1 and not accepted.rejected


def test_the_office_sends_no_version_before_its_files_are_up(office_dir, small_chunks, tmp_path):
    province = small_chunks
    proxy = LossyProxy(province.port, lambda method, path, n: "reset" if path == CHUNK else "pass")
    content = pdf_bytes(300_000, seed=4)
    (tmp_path / "a.pdf").write_bytes(content)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, proxy.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data()).record_id
        Attachments(service).attach(record_id, tmp_path / "a.pdf", final=True)
        # The upload never gets through: the sync stops before the version is sent.
        with pytest.raises(SyncFailed):
            sync_office(office)
        with province_db(province) as db:
            assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
        # Straight to the province, the file goes first and then the version, accepted.
        office.write(lambda db: db.execute("UPDATE device SET endpoint = ?", [province.url]))
        summary = sync_office(office)
        assert (summary.attachments, summary.accepted, summary.rejected) == (1, 1, 0)


def signed_chunk(device_id: str, key, sha256: str, size: int, offset: int, data: bytes,
                 media_type: str = "application/pdf") -> dict[str, str]:
    header = ChunkHeader(device_id, sha256, size, media_type, offset, len(data), hashlib.sha256(data).hexdigest())
    return {CHUNK_HEADER: header_value(dsse.sign_bytes(canonical_json(header.to_json()), CHUNK_TYPE, [key])),
            "Content-Type": "application/octet-stream"}


def test_hostile_chunks_are_refused_and_change_nothing(office_dir, any_province, tmp_path):
    province = any_province
    url = province.url + CHUNK
    devices = []
    for i in range(2):
        root = office_dir if i == 0 else tmp_path / "second"
        if i == 1:
            Office.create(root, org_unit="340104", office_name="二", admin="李四", passphrase=PASSPHRASE)[0].close()
        with Office.unlock(root, None, PASSPHRASE) as office:
            enroll_office(office, province.url, new_code(province))
            device = OfficeOutbox(office).device()
            devices.append((device.device_id, device.key))
    (a_id, a_key), (b_id, b_key) = devices
    content = pdf_bytes(300_000, seed=5)
    digest, size = hashlib.sha256(content).hexdigest(), len(content)
    first, rest = content[:100_000], content[100_000:]

    def post(headers: dict[str, str], body: bytes) -> requests.Response:
        return requests.post(url, data=body, headers=headers, timeout=30)

    ok = post(signed_chunk(a_id, a_key, digest, size, 0, first), first)
    assert ok.status_code == 200 and ok.json() == {"sha256": digest, "received": 100_000, "complete": False}
    # The same chunk again: the same answer, nothing stored twice; so too for bytes held cut
    # into other chunks (the office's chunk size changed with the province's body limit).
    assert post(signed_chunk(a_id, a_key, digest, size, 0, first), first).json()["received"] == 100_000
    assert post(signed_chunk(a_id, a_key, digest, size, 0, first[:40_000]), first[:40_000]).json()["received"] == 100_000
    straddling = content[60_000:160_000]
    assert post(signed_chunk(a_id, a_key, digest, size, 60_000, straddling), straddling).json()["received"] == 100_000
    refusals = [
        # out of order: past the end of what is held; the answer says where to go on from
        (signed_chunk(a_id, a_key, digest, size, 200_000, content[200_000:]), content[200_000:], 409, "chunk_out_of_order"),
        # bytes other than those signed
        (signed_chunk(a_id, a_key, digest, size, 100_000, rest), b"x" + rest[1:], 400, "chunk_mismatch"),
        # other bytes where bytes are held, at a chunk's start or inside one
        (signed_chunk(a_id, a_key, digest, size, 0, b"y" * 100_000), b"y" * 100_000, 409, "upload_conflict"),
        (signed_chunk(a_id, a_key, digest, size, 99_999, b"y" * 10), b"y" * 10, 409, "upload_conflict"),
        # the same file announced with another size
        (signed_chunk(a_id, a_key, digest, size + 1, 100_000, rest), rest, 409, "upload_conflict"),
        # device B signs a chunk naming device A's upload
        (signed_chunk(a_id, b_key, digest, size, 100_000, rest), rest, 403, "device_mismatch"),
        # no signed header at all, and a header that is not base64
        ({}, rest, 400, "malformed_request"),
        ({CHUNK_HEADER: "%%%"}, rest, 400, "malformed_request"),
        # a chunk running past the end of the file it names
        (signed_chunk(a_id, a_key, digest, 100_001, 100_000, rest), rest, 400, "malformed_payload"),
    ]
    for headers, body, status, code in refusals:
        answer = post(headers, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), code
    assert post(refusals[0][0], refusals[0][1]).json()["error"]["received"] == 100_000
    # Device B's own upload of the same file is its own: it starts at 0 and leaves A's alone.
    assert post(signed_chunk(b_id, b_key, digest, size, 0, first), first).json()["received"] == 100_000
    assert sorted((u["device_id"], u["received"]) for u in uploads(province)) == sorted(
        [(a_id, 100_000), (b_id, 100_000)])

    # A forged hash: A finishes an upload whose bytes are not the file it named; all of it is dropped.
    forged = pdf_bytes(300_000, seed=6)
    last = post(signed_chunk(a_id, a_key, digest, size, 100_000, forged[100_000:]), forged[100_000:])
    assert (last.status_code, last.json()["error"]["code"]) == (422, "attachment_hash_mismatch")
    assert [u["device_id"] for u in uploads(province)] == [b_id]
    # A file whose bytes match its hash but not the kind it claims is dropped the same way.
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    wrong = post(signed_chunk(a_id, a_key, hashlib.sha256(png).hexdigest(), len(png), 0, png), png)
    assert wrong.json()["error"]["code"] == "attachment_hash_mismatch"
    # A device holds at most 16 unfinished uploads; the operator prunes abandoned ones.
    for i in range(15):
        other = pdf_bytes(2000, seed=100 + i)
        assert post(signed_chunk(b_id, b_key, hashlib.sha256(other).hexdigest(), len(other), 0, other[:1000]),
                    other[:1000]).status_code == 200
    one_more = pdf_bytes(2000, seed=200)
    refused = post(signed_chunk(b_id, b_key, hashlib.sha256(one_more).hexdigest(), len(one_more), 0, one_more[:1000]),
                   one_more[:1000])
    assert (refused.status_code, refused.json()["error"]) == (409, {
        "code": "too_many_uploads", "message": refused.json()["error"]["message"], "max_open_uploads": 16})
    # Its upload already under way goes on; pruning today's leaves them, pruning all clears them.
    assert post(signed_chunk(b_id, b_key, digest, size, 0, first), first).status_code == 200
    assert "已删除 0 个" in province.cli("attachments", "prune", "--older-than-days", "1")
    assert "已删除 16 个" in province.cli("attachments", "prune", "--older-than-days", "0")
    assert uploads(province) == []
    assert post(signed_chunk(b_id, b_key, digest, size, 0, first), first).json()["received"] == 100_000
    # B completes its upload: the province's copy is the file, byte for byte.
    assert post(signed_chunk(b_id, b_key, digest, size, 100_000, rest), rest).json()["complete"] is True
    province.cli("attachments", "extract", digest, "--to", str(tmp_path / "copy.pdf"))
    assert (tmp_path / "copy.pdf").read_bytes() == content


def test_the_audit_export_carries_the_files_and_verify_export_names_a_flipped_byte(office_dir, small_chunks, tmp_path):
    province = small_chunks
    photo = b"\x89PNG\r\n\x1a\n" + hashlib.shake_256(b"photo").digest(200_000)
    document = pdf_bytes(1_500_000, seed=7)
    (tmp_path / "现场照片.png").write_bytes(photo)
    (tmp_path / "认定文件.pdf").write_bytes(document)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, province.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        first = service.add("platform", platform_data()).record_id
        second = service.add("platform", dict(platform_data(), name="安徽省量子计算工程研究中心（示例）")).record_id
        Attachments(service).attach(first, tmp_path / "认定文件.pdf", final=True)
        Attachments(service).attach(second, tmp_path / "现场照片.png", final=True)
        assert sync_office(office).accepted == 2
        out = tmp_path / "export"
        steps = list(export_office(office, service.checker.registry, out))  # type: ignore[attr-defined]
    assert steps[-1].counts["attachments"] == 2
    pdf_rel = f"attachments/{hashlib.sha256(document).hexdigest()}.pdf"
    png_rel = f"attachments/{hashlib.sha256(photo).hexdigest()}.png"
    assert (out / pdf_rel).read_bytes() == document and (out / png_rel).read_bytes() == photo
    key = province.cli("key").strip()
    report = verify_export(out, province_key=key)
    assert report.ok and report.anchored, report.problems
    assert report.checked["attachments"] == 2

    flipped = tmp_path / "flipped"
    shutil.copytree(out, flipped)
    data = bytearray((flipped / pdf_rel).read_bytes())
    data[len(data) // 2] ^= 0x01
    (flipped / pdf_rel).write_bytes(bytes(data))
    report = verify_export(flipped, province_key=key)
    named = [(where, zh) for where, zh, _ in report.problems if where == pdf_rel]
    assert any("附件内容与其哈希不符" in zh and first in zh and "认定文件.pdf" in zh for _, zh in named), report.problems
    assert not any(png_rel == where for where, _, _ in report.problems)
    # The same from the command line an auditor runs.
    result = subprocess.run([sys.executable, "-m", "desktop.cli", "verify-export", str(flipped), "--province-key", key],
                            capture_output=True, text=True, env=cli_env(tmp_path / "nowhere"), timeout=120)
    assert result.returncode != 0 and pdf_rel in result.stdout + result.stderr and first in result.stdout + result.stderr

    missing = tmp_path / "missing"
    shutil.copytree(out, missing)
    (missing / png_rel).unlink()
    assert any(where == png_rel and "附件缺失" in zh and second in zh
               for where, zh, _ in verify_export(missing, province_key=key).problems)


def test_a_form_version_the_province_publishes_can_ask_for_evidence_without_a_new_build(office_dir, small_chunks, tmp_path):
    from tests.office.conftest import enterprise

    province = small_chunks
    form = json.loads((ROOT / "forms/definitions/enterprise.v2.json").read_text("utf-8"))
    form["version"] = 3
    form["fields"].append({"id": "certificates", "type": "attachment", "max_items": 3, "max_bytes": 1024 * 1024,
                           "label": {"zh": "证明材料", "en": "Certificates"}})
    folder = tmp_path / "publish"
    folder.mkdir()
    (folder / "enterprise.v3.json").write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    province.cli("publish", str(folder))
    certificate = pdf_bytes(200_000, seed=33)
    (tmp_path / "高新技术企业证书.pdf").write_bytes(certificate)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, province.url, new_code(province))
        sync_office(office)  # pulls enterprise v3
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("enterprise", enterprise(3)).record_id
        assert service.get(record_id)["form_version"] == 3
        Attachments(service).attach(record_id, tmp_path / "高新技术企业证书.pdf", final=True)
        with pytest.raises(Exception) as caught:  # the published limit holds: 1 MB here
            (tmp_path / "大.pdf").write_bytes(pdf_bytes(1_100_000, seed=34))
            Attachments(service).attach(record_id, tmp_path / "大.pdf")
        assert "此项附件每个不超过 1 MB" in caught.value.message_zh  # type: ignore[attr-defined]
        summary = sync_office(office)
        assert (summary.attachments, summary.accepted, summary.rejected) == (1, 1, 0)
    copy = tmp_path / "copy.pdf"
    province.cli("attachments", "extract", hashlib.sha256(certificate).hexdigest(), "--to", str(copy))
    assert copy.read_bytes() == certificate


def test_an_office_ahead_of_the_province_resumes_where_the_province_stands(office_dir, small_chunks, tmp_path):
    # The province was restored from a backup older than the office's last acknowledgement:
    # the office's first chunk lands past the province's end, and it goes on from there.
    province = small_chunks
    content = pdf_bytes(5 * MB, seed=50)
    (tmp_path / "a.pdf").write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, province.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data()).record_id
        Attachments(service).attach(record_id, tmp_path / "a.pdf", final=True)
        outbox = OfficeOutbox(office)
        device = outbox.device()
        requests.post(province.url + CHUNK, data=content[:MB], timeout=30, headers=signed_chunk(
            device.device_id, device.key, digest, len(content), 0, content[:MB])).raise_for_status()
        outbox.save_upload_progress(digest, 3 * MB, False)
        summary = sync_office(office)
        assert (summary.attachments, summary.accepted) == (1, 1)
        assert summary.uploaded_bytes == len(content) - MB  # from the province's end on; the refused try not counted
    with province_db(province) as db:
        chunks = db.execute("SELECT chunk_offset, data FROM attachment_chunks ORDER BY chunk_offset").fetchall()
        assert b"".join(data for _, data in chunks) == content


def test_the_operator_extracts_by_a_hash_prefix_into_a_new_folder_and_is_told_in_chinese_what_went_wrong(
        office_dir, small_chunks, tmp_path):
    province = small_chunks
    content = pdf_bytes(120_000, seed=51)
    (tmp_path / "批复.pdf").write_bytes(content)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, province.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data()).record_id
        Attachments(service).attach(record_id, tmp_path / "批复.pdf", final=True)
        assert sync_office(office).accepted == 1
    digest = hashlib.sha256(content).hexdigest()
    target = tmp_path / "新建" / "批复.pdf"
    done = province.cli_process("attachments", "extract", digest[:10], "--to", str(target))
    assert done.returncode == 0 and "SHA-256 已核对" in done.stdout, done.stdout + done.stderr
    assert target.read_bytes() == content and [p.name for p in target.parent.iterdir()] == ["批复.pdf"]
    (tmp_path / "是文件").write_text("x")
    for args, said in [
        ((digest, "--to", str(tmp_path / "是文件" / "a.pdf")), "路径中有一段是文件而不是文件夹"),
        ((digest, "--to", str(target)), "已存在"),
        (("0" * 64, "--to", str(tmp_path / "b.pdf")), "没有哈希为"),
        (("%" * 8, "--to", str(tmp_path / "b.pdf")), "没有哈希为"),
    ]:
        refused = province.cli_process("attachments", "extract", *args)
        assert refused.returncode == 1 and said in refused.stderr and "Errno" not in refused.stderr, refused.stderr
    # A province database altered under the upload: the operator is told, and no file is written.
    with province_db(province) as db:
        db.execute("UPDATE attachment_chunks SET data = ? WHERE sha256 = ? AND chunk_offset = 0",
                   [b"%PDF-1.7 altered", digest])
    altered = province.cli_process("attachments", "extract", digest, "--to", str(tmp_path / "c.pdf"))
    assert altered.returncode == 1 and "与其哈希不符" in altered.stderr and "从备份恢复" in altered.stderr, altered.stderr
    assert not (tmp_path / "c.pdf").exists()
