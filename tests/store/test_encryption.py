"""The office file is SQLCipher: no record text in its bytes, unreadable by plain sqlite3."""

import sqlite3

import pytest

from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService

NAME = "国盾量子通信技术股份有限公司"


def _all_bytes(office_dir):
    # The sign-in list is the one file that names users, on purpose (see desktop.store.signin).
    return b"".join(p.read_bytes() for p in office_dir.rglob("*") if p.is_file() and p.name != "signin.json")


def test_record_text_never_in_any_file(office, office_dir):
    service = RecordService(office, RecordChecker())
    for i in range(50):
        service.add("enterprise", {"name": f"{NAME}{i}", "note": "合肥高新区"})
    # While the connection is open the WAL holds the new pages: it must be encrypted too.
    everything = _all_bytes(office_dir)
    assert len(everything) > 10_000
    for needle in (NAME, "合肥高新区", "enterprise", "张三", "蜀山区科技局"):
        assert needle.encode("utf-8") not in everything, needle
    assert b"SQLite format 3" not in everything
    office.close()
    everything = _all_bytes(office_dir)
    assert NAME.encode("utf-8") not in everything


def test_the_sign_in_list_names_users_only_and_can_be_turned_off(office, office_dir):
    listed = (office_dir / "signin.json").read_text(encoding="utf-8")
    assert "张三" in listed and "admin" not in listed and "蜀山区科技局" not in listed
    office.set_signin_listed(False)
    assert "张三" not in (office_dir / "signin.json").read_text(encoding="utf-8")
    assert "张三".encode() not in b"".join(p.read_bytes() for p in office_dir.rglob("*") if p.is_file())


def test_plain_sqlite_cannot_read(office_dir):
    conn = sqlite3.connect(office_dir / "office.db")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_same_code_runs_plain_for_the_baseline(tmp_path):
    from desktop.store.office import Office

    office, _ = Office.create(tmp_path / "plain", org_unit="340104", office_name="x", admin="a", passphrase="12345678", encrypted=False)
    RecordService(office, RecordChecker()).add("enterprise", {"name": NAME})
    office.close()
    conn = sqlite3.connect(tmp_path / "plain" / "office.db")
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 1
