"""The ``anhui-province`` admin commands: data dir and key file, listings, export, rotation."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from province.admin import EXPORT_MANIFEST_TYPE
from sync import dsse
from sync.encoding import sha256_hex
from sync.keys import load_private_key
from sync.trust import ProvinceTrust
from tests.sync.offices import enroll_device, invalid_version, version
from tests.sync.servers import ROOT, ProvinceServer


def test_data_dir_from_the_environment_and_key_file_permissions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "ANHUI_PROVINCE_HOME": str(home), "PYTHONPATH": str(ROOT)}
    exe = Path(sys.executable).parent / "anhui-province"
    result = subprocess.run([str(exe), "key"], capture_output=True, text=True, env=env,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    key_file = home / "province-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert (home / "province.sqlite3").exists()
    from sync.keys import key_id

    assert result.stdout.strip() == key_id(load_private_key(key_file))
    help_text = subprocess.run([str(exe), "--help"], capture_output=True, text=True, env=env,
                               timeout=60).stdout
    for command in ("serve", "enroll-code", "devices", "batches", "records", "publish",
                    "export", "rotate-key"):
        assert command in help_text


def test_a_key_file_of_another_province_is_refused(tmp_path: Path) -> None:
    one, two = ProvinceServer(tmp_path / "one"), ProvinceServer(tmp_path / "two")
    one.cli("key")
    two.cli("key")
    (two.data_dir / "province-key.pem").write_bytes((one.data_dir / "province-key.pem").read_bytes())
    result = two.cli_process("devices", "list")
    assert result.returncode == 1 and "与这个数据库不是一对" in result.stderr
    (two.data_dir / "province-key.pem").unlink()
    result = two.cli_process("devices", "list")
    assert result.returncode == 1 and "请从备份恢复该文件" in result.stderr


def test_listings_return_and_export(province: ProvinceServer, tmp_path: Path) -> None:
    device = enroll_device(province, "340104")
    records = [version(device.org_unit, i) for i in range(4)]
    with device.client() as client:
        client.send_batch(device.batch([*records, invalid_version(device.org_unit)]).envelope)
    assert device.device_id in province.cli("devices", "list")
    batches = json.loads(province.cli("batches", "list", "--json"))
    assert [(b["accepted"], b["rejected"]) for b in batches] == [(4, 1)]
    listed = province.cli("records", "list")
    assert records[0].record_id in listed and "已接收" in listed and "记录编号" in listed
    province.cli("records", "return", records[0].record_id, "--reason", "缺少负责人职称")
    rows = json.loads(province.cli("records", "list", "--json"))
    returned = [r for r in rows if r["state"] == "returned"]
    assert [r["record_id"] for r in returned] == [records[0].record_id]
    assert returned[0]["return_reason"] == "缺少负责人职称"
    assert returned[0]["data"]["name"] == "量子计算团队0"
    missing = province.cli_process("records", "return", "no-such-record", "--reason", "x")
    assert missing.returncode == 1 and "没有编号为 no-such-record 的记录" in missing.stderr
    missing = province.cli_process("devices", "revoke", "no-such-device")
    assert missing.returncode == 1 and "没有编号为 no-such-device 的设备" in missing.stderr

    out = tmp_path / "export"
    province.cli("export", "--out", str(out))
    manifest = json.loads((out / "manifest.json").read_bytes())
    for name, digest in manifest["files"].items():
        assert sha256_hex((out / name).read_bytes()) == digest, name
    keys = json.loads((out / "province-keys.json").read_bytes())
    trust = ProvinceTrust([k["public_key"] for k in keys["keys"]])
    signed = dsse.verify((out / "manifest.dsse.json").read_bytes(), trust.lookup,
                         EXPORT_MANIFEST_TYPE)
    assert json.loads(signed.payload) == manifest
    csv_bytes = (out / "records-talent_team.csv").read_bytes()
    assert csv_bytes.startswith("\ufeff".encode()) and "量子计算团队3".encode() in csv_bytes
    assert len((out / "records.jsonl").read_bytes().splitlines()) == 4
    assert len((out / "versions.jsonl").read_bytes().splitlines()) == 4
    assert len((out / "log.jsonl").read_bytes().splitlines()) == 1
    with pytest.raises(RuntimeError):
        province.cli("export", "--out", str(out))  # never over an earlier export


def test_rotate_key_keeps_the_chain(tmp_path: Path) -> None:
    province = ProvinceServer(tmp_path / "province")
    first = province.cli("key").strip()
    province.cli("rotate-key")
    province.cli("rotate-key")
    third = province.cli("key").strip()
    assert third != first
    from province.context import Province, Settings
    from province.signing import keys_reply

    opened = Province.open(Settings.make(province.data_dir))
    reply = opened.db.run(keys_reply, write=False)
    opened.close()
    assert [k["key_id"] for k in reply["keys"]][0] == first
    assert reply["current_key_id"] == third and len(reply["rotations"]) == 2
    first_key = reply["keys"][0]["public_key"]
    trust = ProvinceTrust([first_key])
    # Offered in any order, the chain is followed link by link from the pinned key.
    assert len(trust.extend(list(reversed(reply["rotations"])))) == 2
    assert third in trust.keys
    assert not (province.data_dir / "province-key.next.pem").exists()


@pytest.mark.parametrize("url, expected", [
    ("postgresql://postgres:SECRET@127.0.0.1:{port}/anhui", "无法连接数据库"
     "（PostgreSQL postgresql://127.0.0.1:{port}/anhui）"),
    ("{tmp}/not-a-folder/x/province.sqlite3", "无法打开数据库（SQLite {tmp}"),
    ("{tmp}/garbage.sqlite3", "无法打开数据库（SQLite {tmp}/garbage.sqlite3）"),
])
def test_database_problems_are_named_as_such(tmp_path: Path, url: str, expected: str) -> None:
    from tests.sync.servers import free_port

    port = free_port()  # nothing listens there
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    (tmp_path / "garbage.sqlite3").write_bytes(b"not a database" * 100)
    server = ProvinceServer(tmp_path / "data", url.format(port=port, tmp=tmp_path))
    for command in (["devices", "list"], ["enroll-code", "--org-unit", "340104"],
                    ["serve", "--port", str(free_port())]):
        done = server.cli_process(*command)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert expected.format(port=port, tmp=tmp_path) in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "SECRET" not in done.stderr


def test_serve_refuses_bad_limits(tmp_path: Path) -> None:
    server = ProvinceServer(tmp_path / "data")
    for args, message in [(["--max-body-bytes", "-1"], "应在 0 到 10^12 之间"),
                          (["--header-timeout", "0"], "应大于 0"),
                          (["--rate-per-device", "lots"], "应为数字"),
                          (["--workers", "0"], "应在 1 到 256 之间"),
                          (["--tls-cert", "x.pem"], "须同时给出")]:
        done = server.cli_process("serve", "--port", "1", *args)
        assert done.returncode != 0 and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_admin_text_arguments_are_checked(tmp_path: Path) -> None:
    server = ProvinceServer(tmp_path / "data")
    for args, message in [
            (["records", "return", "r-1", "--reason", "x" * 4001], "最多 4000 个字符"),
            (["records", "return", "r-1", "--reason", "   "], "1 至 4000 个字符"),
            (["devices", "revoke", "dev-\udcff"], "终端无法识别的字符"),
            (["records", "list", "--org-unit", "34\udc80"], "终端无法识别的字符")]:
        done = server.cli_process(*args)
        assert done.returncode != 0 and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def _parsers(parser):  # type: ignore[no-untyped-def]
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_the_province_command_line_speaks_chinese(tmp_path: Path) -> None:
    import argparse
    import re

    from province.cli import build_parser

    english = ("usage:", "invalid choice", "the following arguments are required", "error:",
               "options:", "positional arguments", "show this help")
    for parser in _parsers(build_parser()):
        text = parser.format_help()
        assert "用法：" in text and not any(e in text for e in english), text
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help and re.search(r"[\u4e00-\u9fff]", action.help), (parser.prog, action.dest)
    server = ProvinceServer(tmp_path / "data")
    for args in (["nosuch"], ["batches"], ["records", "return", "r-1"], ["period", "open", "annual_report", "二〇二五"]):
        done = server.cli_process(*args)
        assert done.returncode == 2 and "用法：" in done.stderr and "错误：" in done.stderr, done.stderr
        assert not any(e in done.stderr for e in english), done.stderr
    shown = server.cli_process("batches", "show", "no-such-batch")
    assert shown.returncode == 1 and "没有编号为 no-such-batch 的批次" in shown.stderr and shown.stdout == ""


def test_progress_table_names_units_and_aligns_chinese_columns(tmp_path: Path) -> None:
    from forms.text import display_width

    out = ProvinceServer(tmp_path / "data").cli("progress")
    lines = out.splitlines()
    assert lines[1].startswith("指标（单位）") and "2030年目标" in lines[1]
    table = lines[1:]
    # Right-aligned numbers: every line ends in the same terminal column.
    assert len({display_width(line) for line in table}) == 1, table
    units = {line.split("）")[0].rsplit("（", 1)[-1] for line in table[2:]}
    assert {"个", "项", "家", "亿元"} <= units, units
