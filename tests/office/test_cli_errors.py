"""Ordinary mistakes get a message that says what is wrong; the catch-all "unexpected error"
(and its log entry) is for real bugs only."""

import json

import pytest

from desktop.cli.main import main
from tests.conftest import PASSPHRASE, run_cli
from tests.office.conftest import enterprise

UNEXPECTED = ("意外", "unexpected", "Traceback")


@pytest.fixture
def cli(office_dir, monkeypatch, capsys):
    monkeypatch.setenv("ANHUI_COLLECT_HOME", str(office_dir))
    monkeypatch.setenv("ANHUI_COLLECT_PASSPHRASE", PASSPHRASE)

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        return code, capsys.readouterr().err

    return run


def test_ordinary_mistakes_are_named_never_unexpected(cli, office_dir, tmp_path):
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x")
    record = tmp_path / "record.json"
    record.write_text('{"name": "x"}', encoding="utf-8")
    xls = tmp_path / "名单.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    mistakes = {
        ("import", str(xls)): "另存为",
        ("import", str(tmp_path / "名单.csv")): "CSV",
        ("import", str(tmp_path)): "文件夹",
        ("template", "nosuch", "--out", str(tmp_path / "t.xlsx")): "没有编号为“nosuch”的表单",
        ("template", "enterprise", "--out", str(tmp_path)): "是一个文件夹",
        ("record", "list", "--form", "nosuch"): "没有编号为“nosuch”的表单",
        ("record", "add", "--form", "nosuch", "--file", str(record)): "nosuch",
        ("export", "--form", "nosuch", "--out", str(tmp_path / "e1")): "没有编号为“nosuch”的表单",
        ("export", "--out", str(a_file)): "是一个文件",
        ("export", "--out", str(a_file / "inside")): "是文件而不是文件夹",
        ("sync",): "尚未登记",
    }
    (tmp_path / "名单.csv").write_text("a,b\n", encoding="utf-8")
    for args, words in mistakes.items():
        code, err = cli(*args)
        assert code not in (0, 70), (args, err)
        assert words in err, (args, err)
        assert not any(u in err for u in UNEXPECTED), (args, err)
    assert not (office_dir / "logs").exists()  # nothing was logged as a bug


def test_a_damaged_database_says_so_and_points_to_check(cli, office_dir):
    fast_unlock(office_dir)
    intact = (office_dir / "office.db").read_bytes()
    read_damage = set()
    for page in range(len(intact) // 4096):
        damaged = bytearray(intact)
        damaged[page * 4096 + 200] ^= 0x01
        (office_dir / "office.db").write_bytes(bytes(damaged))
        for args in (("record", "list"), ("progress",), ("user", "list")):
            code, err = cli(*args)
            assert not any(u in err for u in UNEXPECTED), (page, args, err)
            if code:
                assert code == 3 and "数据库已损坏" in err and "anhui-collect check" in err, (page, args, err)
                read_damage.add(page)
        code, err = cli("check")
        assert code == 3 and err and "check 查看详情" not in err, (page, err)
    assert read_damage, "no command ever read a damaged page"
    assert not (office_dir / "logs").exists()


def fast_unlock(folder) -> None:
    """Rewrite the key slots with cheap Argon2id parameters: this test unlocks ~150 times."""
    from desktop.store.keyfile import database_id_of
    from desktop.store.keyslots import KeySlots, new_recovery_key
    from desktop.store.office import Office

    with Office.unlock(folder, None, PASSPHRASE) as office:
        slots = KeySlots(office_id=office.office_id)
        slots.set_passphrase(office.user, PASSPHRASE, office._key, {"iterations": 1, "lanes": 1, "memory_cost": 8})
        slots.set_recovery(new_recovery_key(), office._key)
        slots.save(folder / "keyslots.json", office._key, database_id_of(folder / "office.db"))


def test_hostile_files_and_limits_are_messages(office_dir, tmp_path):
    """A record file nested too deep, endless (/dev/zero), with a number beyond Python's
    limit, or a list limit beyond SQLite's: each a message, never the catch-all."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    digits = tmp_path / "digits.json"
    digits.write_text('{"employees": ' + "9" * 5000 + "}", encoding="utf-8")
    for args, message in (
            (("record", "add", "--form", "enterprise", "--file", str(deep)), "嵌套过深"),
            (("record", "add", "--form", "enterprise", "--file", str(digits)), "数字过长"),
            (("record", "add", "--form", "enterprise", "--file", "/dev/zero"), "太大"),
            (("record", "list", "--limit", "99999999999999999999999"), "1 到 1000000"),
            (("record", "list", "--limit", "-1"), "1 到 1000000"),
            # Bytes the terminal could not decode (here 0xff), as a user name or a search.
            (("record", "list", "--user", "\udcff"), "无法识别的字符"),
            (("record", "list", "--search", "\udcff\udcfe"), "无法识别的字符")):
        result = run_cli(office_dir, *args)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
        assert "意外错误" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("endpoint", "words"), [
    ("http://province.example.gov.cn", "不加密的 http://"),
    ("http://10.0.0.8:8750", "不加密的 http://"),
    ("ftp://province.example.gov.cn", "不是有效的省级端点地址"),
    ("province.example.gov.cn", "不是有效的省级端点地址"),
])
def test_an_address_enroll_will_not_use_is_told_in_chinese(cli, endpoint, words):
    code, err = cli("enroll", "--endpoint", endpoint, "--code", "ABCD-EFGH-JKMN-PQRS")
    assert code == 1 and words in err, err
    assert not any(english in err for english in ("plain http", "loopback", "endpoint must")), err


def test_check_recovery_key_without_its_variable_asks_for_the_recovery_key(cli, monkeypatch):
    monkeypatch.delenv("ANHUI_COLLECT_RECOVERY_KEY", raising=False)
    code, err = cli("check", "--recovery-key")
    assert code == 1, err
    assert "需要恢复密钥" in err and "ANHUI_COLLECT_RECOVERY_KEY" in err, err
    assert "需要口令" not in err


def test_the_app_without_a_display_says_so_in_chinese(monkeypatch, capsys):
    """Qt would abort with its own English text about platform plugins."""
    monkeypatch.setattr("sys.platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "没有图形界面" in err and "anhui-collect --help" in err and "plugin" not in err


def test_export_since_a_future_day_is_refused_and_a_filtered_export_says_what_it_counts(cli, office_dir, tmp_path, capsys):
    code, err = cli("export", "--out", str(tmp_path / "future"), "--since", "2999-01-01")
    assert code == 1 and "在今天" in err and "之后" in err, err
    assert not (tmp_path / "future").exists()
    record = tmp_path / "e.json"
    record.write_text(json.dumps(enterprise(1)), encoding="utf-8")
    assert main(["record", "add", "--form", "enterprise", "--file", str(record)]) == 0
    capsys.readouterr()
    assert main(["export", "--out", str(tmp_path / "past"), "--since", "2000-01-01", "--form", "platform"]) == 0
    out = capsys.readouterr().out
    assert "符合筛选条件的记录 0 条" in out and "完整的版本历史（全部 1 个版本）" in out, out
