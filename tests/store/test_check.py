"""`check` finds a flipped byte anywhere in the file, and tampering inside it, and names it."""

import json
import random

import pytest

from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from desktop.store.connection import open_database
from desktop.store.integrity import check_store
from desktop.store.keyslots import KeySlots
from tests.conftest import PASSPHRASE, run_cli


@pytest.fixture
def filled(office):
    service = RecordService(office, RecordChecker())
    for i in range(300):
        saved = service.add("enterprise", {"name": f"企业{i}", "intro": "合肥" * 50})
        if i % 10 == 0:
            service.edit(saved.record_id, {"name": f"企业{i}（更名）"})
    office.close()
    return office.paths.root


def test_clean_store_passes_check_cli(filled):
    result = run_cli(filled, "check")
    assert result.returncode == 0, result.stderr
    assert "300 条记录" in result.stdout


@pytest.mark.parametrize("where", ["first_page", "middle", "last_page", "random"])
def test_flipped_byte_is_reported(filled, where):
    path = filled / "office.db"
    data = bytearray(path.read_bytes())
    page = 4096
    offset = {
        "first_page": 100,
        "middle": len(data) // 2 + 17,
        "last_page": len(data) - 5,
        "random": random.Random(7).randrange(page, len(data)),
    }[where]
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    result = run_cli(filled, "check")
    assert result.returncode == 3, result.stdout + result.stderr
    page_number = offset // page + 1
    if page_number == 1:
        assert "第一页" in result.stderr or "无法用正确的密钥解密" in result.stderr
    else:
        assert f"{page_number}" in result.stderr
        assert "加密页校验失败" in result.stderr


def _raw(office_dir):
    key = KeySlots.load(office_dir / "keyslots.json").unlock("张三", PASSPHRASE)[0]
    return open_database(office_dir / "office.db", key)


def test_altered_version_content_is_named(filled):
    db = _raw(filled)
    victim = next(db.query("SELECT version_id, record_id FROM versions ORDER BY rowid LIMIT 1 OFFSET 5"))
    db.execute("DROP TRIGGER versions_no_update")
    db.execute("UPDATE versions SET data = ? WHERE version_id = ?", [json.dumps({"name": "伪造"}), victim["version_id"]])
    db.conn.commit()
    db.close()
    report = check_store(filled, None, PASSPHRASE)
    assert not report.ok
    assert victim["version_id"] in report.problems[0][1]
    assert "altered" in report.problems[0][1]


def test_removed_history_entry_is_named(filled):
    db = _raw(filled)
    db.execute("DROP TRIGGER history_no_delete")
    db.execute("DELETE FROM history WHERE seq = 42")
    db.conn.commit()
    db.close()
    report = check_store(filled, None, PASSPHRASE)
    assert "history entry 43" in report.problems[0][1]
    assert "expected 42" in report.problems[0][1]


def test_rewritten_status_is_named(filled):
    db = _raw(filled)
    rid = next(db.query("SELECT record_id FROM records LIMIT 1"))["record_id"]
    db.execute("UPDATE records SET status = 'synced' WHERE record_id = ?", [rid])
    db.conn.commit()
    db.close()
    report = check_store(filled, None, PASSPHRASE)
    assert rid in report.problems[0][1]


def test_versions_refuse_plain_updates(filled):
    db = _raw(filled)
    with pytest.raises(Exception, match="immutable"):
        db.execute("UPDATE versions SET data = '{}'")
    db.close()
