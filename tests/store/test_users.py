"""Disabling and enabling users, and the sign-in list beside the key slots."""

from __future__ import annotations

import json

import pytest

from desktop.errors import InvalidInput, PermissionDenied, UnknownUser
from desktop.store.office import Office
from desktop.store.signin import read_names
from tests.conftest import PASSPHRASE, run_cli


def test_disabled_users_cannot_sign_in_until_given_a_new_passphrase(office, office_dir):
    office.add_user("李四", "clerk", "clerk passphrase 1")
    office.add_user("王五", "admin", "admin passphrase 2")
    office.disable_user("李四")
    assert {u["name"]: u["active"] for u in office.users()} == {"张三": True, "李四": False, "王五": True}
    assert read_names(office_dir) == ["张三", "王五"]
    with pytest.raises(UnknownUser):
        Office.unlock(office_dir, "李四", "clerk passphrase 1")
    with pytest.raises(InvalidInput):
        office.disable_user("张三")  # not oneself
    office.disable_user("王五")  # another admin may be disabled while one can still sign in
    office.change_passphrase("李四", "clerk passphrase 3")  # enabled again, with a new passphrase
    with Office.unlock(office_dir, "李四", "clerk passphrase 3") as clerk:
        assert clerk.role == "clerk"
        with pytest.raises(PermissionDenied):
            clerk.disable_user("王五")
    assert read_names(office_dir) == ["张三", "李四"]


def test_a_list_edited_by_hand_is_put_right_at_the_next_sign_in(office_dir):
    (office_dir / "signin.json").write_text(json.dumps({"listed": True, "users": ["冒名顶替"]}), encoding="utf-8")
    assert read_names(office_dir) == ["冒名顶替"]  # only what is shown: it opens nothing
    Office.unlock(office_dir, None, PASSPHRASE).close()
    assert read_names(office_dir) == ["张三"]
    (office_dir / "signin.json").write_text("not json", encoding="utf-8")
    assert read_names(office_dir) is None  # the unlock screen then asks for the name


def test_a_list_as_it_should_be_is_left_alone_and_one_made_unreadable_is_put_right(office_dir):
    # Every sign-in checks the list; it is written (a durable write: two fsyncs) only when wrong.
    listed = office_dir / "signin.json"
    before = listed.stat()
    Office.unlock(office_dir, None, PASSPHRASE).close()
    assert (listed.stat().st_ino, listed.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    listed.chmod(0o600)  # the unlock screen runs as whoever uses the computer: it must stay readable
    Office.unlock(office_dir, None, PASSPHRASE).close()
    assert listed.stat().st_mode & 0o777 == 0o644 and read_names(office_dir) == ["张三"]


def test_cli_disables_and_lists(office_dir):
    assert run_cli(office_dir, "user", "add", "李四", "--role", "clerk", ANHUI_COLLECT_NEW_PASSPHRASE="clerk passphrase 1").returncode == 0
    done = run_cli(office_dir, "user", "disable", "李四")
    assert done.returncode == 0 and "已停用" in done.stdout
    listed = run_cli(office_dir, "user", "list")
    assert "李四（已停用）\t填报员" in listed.stdout and "张三\t管理员" in listed.stdout
    refused = run_cli(office_dir, "record", "list", "--user", "李四", passphrase="clerk passphrase 1")
    assert refused.returncode == 1 and "已被管理员停用" in refused.stderr


def test_the_recovery_key_enables_a_disabled_user_as_an_admin_does(tmp_path):
    # The recovery key stands in for an admin: both ways of setting a disabled user's
    # passphrase enable them again.

    folder = tmp_path / "o"
    office, recovery = Office.create(folder, org_unit="340104", office_name="x", admin="张三", passphrase=PASSPHRASE)
    office.add_user("李四", "clerk", "clerk passphrase 1")
    office.disable_user("李四")
    office.close()
    done = run_cli(folder, "user", "passwd", "李四", "--recovery", ANHUI_COLLECT_RECOVERY_KEY=recovery,
                   ANHUI_COLLECT_NEW_PASSPHRASE="clerk passphrase 2")
    assert done.returncode == 0, done.stderr
    assert "重新启用" in done.stdout
    listed = run_cli(folder, "record", "list", "--user", "李四", passphrase="clerk passphrase 2")
    assert listed.returncode == 0, listed.stderr
    # An admin's way says the same.
    with Office.unlock(folder, "张三", PASSPHRASE) as admin:
        admin.disable_user("李四")
        assert admin.change_passphrase("李四", "clerk passphrase 3") is True
        assert admin.change_passphrase("李四", "clerk passphrase 4") is False
