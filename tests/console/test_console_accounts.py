"""``anhui-province user``: clear refusals, and disabling an account ends its sessions at once."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import requests

from tests.console.conftest import Staff
from tests.console.seed import PASSWORD, server_command


def user(province, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    """``anhui-province user ...`` run in this process (the same code as the command)."""
    from province.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO("" if password is None else password + "\n")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([*province.base_args(), "user", *args])
    finally:
        sys.stdin = saved
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_user_commands_refuse_bad_input_and_disabling_ends_sessions(province):
    for args, password, message in (
            (("add", "bad name", "--role", "viewer", "--password-stdin"), PASSWORD, "用户名应为"),
            (("add", "zhao", "--role", "viewer", "--password-stdin"), "short", "至少需要 10 个字符"),
            (("add", "admin", "--role", "viewer", "--password-stdin"), PASSWORD, "已存在"),
            (("disable", "nobody"), None, "没有用户 nobody"),
            # No terminal to ask on and no --password-stdin: told what to do, no traceback.
            (("add", "bob", "--role", "viewer"), None, "--password-stdin"),
            (("reset", "nobody"), None, "没有用户 nobody")):
        done = user(province, *args, password=password)
        assert done.returncode == 1 and message in done.stderr, done.stderr
    listed = subprocess.run([*server_command(province), "user", "list", "--json"],
                            capture_output=True, text=True, timeout=120, check=True)
    names = [u["username"] for u in json.loads(listed.stdout)]
    assert names == ["admin", "li.reviewer", "wang.viewer"]

    viewer = Staff(province)
    assert viewer.login("wang.viewer").url.endswith("/console/")
    assert viewer.get("/console/").status_code == 200
    assert user(province, "disable", "wang.viewer", "--reason", "调离").returncode == 0
    left = requests.get(province.url + "/console/", cookies=dict(viewer.http.cookies),
                        allow_redirects=False, timeout=30)
    assert left.status_code == 303
    assert "failed=1" in Staff(province).login("wang.viewer").url
    assert user(province, "enable", "wang.viewer").returncode == 0
    assert Staff(province).login("wang.viewer").url.endswith("/console/")
    log = province.query("SELECT actor, action, subject, reason FROM action_log "
                         "WHERE action LIKE 'user.%' ORDER BY action_id")
    assert [(a[1], a[2], a[3]) for a in log][-2:] == [("user.disable", "wang.viewer", "调离"),
                                                      ("user.enable", "wang.viewer", "")]
    assert all(a[0].startswith("cli:") for a in log)


def test_passwords_are_kept_as_argon2id_hashes_only(province):
    from province.console.accounts import verify_password

    assert user(province, "add", "zhou.admin", "--role", "admin", "--password-stdin",
                password="长密码-Anhui-2026").returncode == 0
    (stored,) = province.query("SELECT password_hash FROM staff_users WHERE username = ?",
                               ("zhou.admin",))[0]
    assert str(stored).startswith("$argon2id$v=19$m=") and "Anhui-2026" not in str(stored)
    assert verify_password("长密码-Anhui-2026", str(stored))
    assert not verify_password("长密码-Anhui-2027", str(stored))
