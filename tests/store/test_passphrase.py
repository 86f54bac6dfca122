"""Key slots: wrong passphrase changes nothing; passphrase changes rewrap, never re-encrypt."""

import hashlib

import pytest

from desktop.errors import PermissionDenied, WrongPassphrase
from desktop.store.office import Office
from tests.conftest import PASSPHRASE, run_cli


def _digests(office_dir):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(office_dir.iterdir()) if p.is_file()}


def test_wrong_passphrase_cli_clear_message_nonzero_and_files_unchanged(office_dir):
    before = _digests(office_dir)
    for command in (["record", "list"], ["check"], ["record", "add", "--form", "enterprise", "--file", "-"]):
        result = run_cli(office_dir, *command, passphrase="not the passphrase", input='{"name": "x"}')
        assert result.returncode != 0
        assert "口令不正确" in result.stderr
        assert "Traceback" not in result.stderr
    assert _digests(office_dir) == before


def test_wrong_passphrase_in_english(office_dir):
    result = run_cli(office_dir, "record", "list", passphrase="nope-nope", ANHUI_COLLECT_LANG="en")
    assert result.returncode == 2
    assert "Wrong passphrase" in result.stderr


def test_change_passphrase_rewraps_without_reencrypting(office_dir):
    db_before = hashlib.sha256((office_dir / "office.db").read_bytes()).hexdigest()
    slots_before = (office_dir / "keyslots.json").read_bytes()
    office = Office.unlock(office_dir, "张三", PASSPHRASE)
    office.change_passphrase("张三", "a brand new passphrase")
    office.close()
    assert (office_dir / "keyslots.json").read_bytes() != slots_before
    with pytest.raises(WrongPassphrase):
        Office.unlock(office_dir, "张三", PASSPHRASE)
    Office.unlock(office_dir, "张三", "a brand new passphrase").close()
    # Reading opened the database but wrote no page: same ciphertext, so no re-encryption.
    assert hashlib.sha256((office_dir / "office.db").read_bytes()).hexdigest() == db_before


def test_recovery_key_resets_a_forgotten_passphrase(tmp_path):
    office, recovery = Office.create(tmp_path / "o", org_unit="340104", office_name="x", admin="admin", passphrase=PASSPHRASE)
    office.close()
    typed = recovery.lower().replace("-", " ")
    with Office.unlock_with_recovery(tmp_path / "o", typed, "admin") as rescued:
        rescued.change_passphrase("admin", "remembered this time")
    Office.unlock(tmp_path / "o", None, "remembered this time").close()


def test_only_admin_adds_users(office):
    office.add_user("李四", "clerk", "clerk passphrase")
    office.close()
    clerk = Office.unlock(office.paths.root, "李四", "clerk passphrase")
    assert clerk.role == "clerk"
    with pytest.raises(PermissionDenied):
        clerk.add_user("王五", "clerk", "another passphrase")
    with pytest.raises(PermissionDenied):
        clerk.change_passphrase("张三", "taking over now")
    clerk.change_passphrase("李四", "clerk changed own")
    clerk.close()
    # The default user is still the first admin.
    assert Office.unlock(office.paths.root, None, PASSPHRASE).role == "admin"


def test_clerk_cannot_add_user_via_cli(office):
    office.add_user("李四", "clerk", "clerk passphrase")
    result = run_cli(office.paths.root, "user", "add", "王五", "--role", "clerk", "--user", "李四", passphrase="clerk passphrase", ANHUI_COLLECT_NEW_PASSPHRASE="whatever123")
    assert result.returncode == 1
    assert "只有管理员" in result.stderr


def test_clone_writes_through_its_own_connection(office):
    from desktop.services.checking import RecordChecker
    from desktop.services.records import RecordService

    worker = office.clone()
    try:
        assert worker.db.conn is not office.db.conn
        saved = RecordService(worker, RecordChecker()).add("enterprise", {"name": "线程写入"})
    finally:
        worker.close()
    assert RecordService(office, RecordChecker()).get(saved.record_id)["title"] == "线程写入"
