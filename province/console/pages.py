"""The console's pages: 总览, 记录, 重复, 设备, 批次与日志, 导出, 操作日志, and logging in."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from forms.attachments import SUFFIXES, file_name, named_attachments
from forms.progress import EXCLUSION_REASONS
from province import actions, periods
from province import progress as province_progress
from province.attachments import complete_file
from province.clock import utc_now
from province.console import accounts, catalog, devices, diff, export, review
from province.console.accounts import Staff
from province.console.catalog import Filters
from province.console.i18n import TEXT
from province.console.web import (
    SESSION_COOKIE,
    Denied,
    SignedIn,
    form,
    lang_of,
    province_of,
    public,
    redirect,
    render,
    require,
    router,
)
from province.updates import StaleVersion
from sync.errors import NotFound

LOGIN_COOKIE = "anhui_console_login"


def _known(prefix: str, value: str) -> str:
    """A message key from the query string, only if it names one of our messages."""
    return value if f"{prefix}.{value}" in TEXT else ""


def _registry(request: Request) -> Any:
    return province_of(request).validator.registry()


def _labels(request: Request) -> dict[str, Any]:
    """Names of forms, sectors, directions and org units in the page's language."""
    registry, lang = _registry(request), lang_of(request)
    sectors: dict[str, str] = {}
    directions: dict[str, str] = {}
    try:
        for s in registry.reference("sectors").items:
            sectors[s.code] = s.label(lang)
            for d in s.children:
                directions[d.code] = d.label(lang)
    except LookupError:
        pass
    cities = [u for u in registry.org_units() if u.level == "city"]
    units = {}
    for unit in registry.org_units():
        city = registry.city_of(unit.code)
        units[unit.code] = (city.name + unit.name if city and city.code != unit.code
                            and not unit.name.startswith(city.name) else unit.name)
    return {"forms": {f.id: f.label(lang) for f in registry.forms()}, "sectors": sectors,
            "directions": directions, "units": units,
            "cities": [(c.code, c.name) for c in cities]}


# -- logging in and out --------------------------------------------------------------------


@public.get("/login")
def login_page(request: Request, failed: str = "", next: str = "") -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", failed=failed == "1", next=_safe_next(next),
                      login_csrf=token)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/console")
    return response


def _safe_next(target: str) -> str:
    # Only our own pages: "//evil.example" or "https://..." would make an open redirect.
    if target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console/"


@public.post("/login")
async def login_submit(request: Request) -> Response:
    fields = await form(request)
    db = province_of(request).db
    result = await run_in_threadpool(accounts.login, db, fields.get("username", "").strip(),
                                     fields.get("password", ""))
    if result is None:
        return redirect("/console/login?failed=1")
    token, _staff = result
    response = redirect(_safe_next(fields.get("next", "")))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/",
                        max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@router.post("/logout")
async def logout(request: Request, staff: SignedIn) -> Response:
    await form(request, staff)
    accounts.logout(province_of(request).db, request.cookies.get(SESSION_COOKIE, ""),
                    staff.username)
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- 总览 -----------------------------------------------------------------------------------


def _reporting_year(year: str) -> int:
    """The reporting year asked for (money figures of that year), else the last complete one."""
    today = dt.datetime.now(dt.UTC).date()
    if year.isascii() and year.isdigit() and len(year) == 4 and 2024 <= int(year) < today.year:
        return int(year)
    return today.year - 1


@router.get("/")
async def overview(request: Request, target: str = "", year: str = "") -> Response:
    province = province_of(request)
    reporting_year = _reporting_year(year)
    body = await run_in_threadpool(province_progress.compute, province, None, reporting_year)
    targets = body["targets"]
    chosen = next((t for t in targets if t["code"] == target), targets[0] if targets else None)
    labels = _labels(request)
    lang = lang_of(request)
    city_rows = [{"code": code, "name": name,
                  "value": chosen["by_city"].get(code, 0) if chosen else 0}
                 for code, name in labels["cities"]]
    map_data = json.dumps({"map": "安徽", "target": chosen["label_" + lang] if chosen else "",
                           "cities": [{"name": r["name"], "value": r["value"], "code": r["code"]}
                                      for r in city_rows]}, ensure_ascii=False)
    today = dt.datetime.now(dt.UTC).date()
    return render(request, "overview.html", progress=body, targets=targets, chosen=chosen,
                  city_rows=city_rows, map_data=map_data, labels=labels,
                  years=list(range(today.year - 1, 2023, -1)), year=str(reporting_year),
                  as_of=body["as_of"])


# -- 记录 ------------------------------------------------------------------------------------


def _after(value: str) -> tuple[int, str] | None:
    index, _, record_id = value.partition(":")
    if index.isdigit() and len(index) < 19 and 0 < len(record_id) <= 128:
        return int(index), record_id
    return None


@router.get("/records")
async def records(request: Request) -> Response:
    province = province_of(request)
    await run_in_threadpool(catalog.catch_up, province)
    filters = Filters.from_query(request.query_params)
    target = request.query_params.get("target", "")
    after = _after(request.query_params.get("after", ""))
    if target:
        rows, total, capped = await run_in_threadpool(
            export.counted_toward, province, filters, target, after,
            _reporting_year(request.query_params.get("year", "")))
    else:
        rows, counted = await run_in_threadpool(catalog.list_page, province, filters, after=after)
        total = counted or 0
        capped = False
    target_label = next((t.label(lang_of(request)) for t in _registry(request).targets()
                         if t.code == target), "")
    more = len(rows) == catalog.PAGE_SIZE
    next_after = f"{rows[-1]['log_index']}:{rows[-1]['record_id']}" if more else ""
    year = str(_reporting_year(request.query_params.get("year", ""))) if target else ""
    return render(request, "records.html", rows=rows, total=total, filters=filters,
                  count_cap=catalog.SEARCH_COUNT_CAP,
                  target=target, year=year, target_label=target_label, capped=capped, labels=_labels(request), states=catalog.STATES,
                  next_after=next_after, query=filters.query_items(), first_page=after is None)


@router.get("/records/{record_id}")
async def record_page(request: Request, record_id: str, done: str = "", error: str = "") -> Response:
    province = province_of(request)
    head = await run_in_threadpool(catalog.record_state, province, record_id)
    if head is None:
        return render(request, "error.html", status=404, reason="not_found")
    history = await run_in_threadpool(catalog.versions, province, record_id)
    steps = diff.history(_registry(request), history, lang_of(request))
    kind, counts = await run_in_threadpool(province_progress.standing, province, record_id)
    names = {t.code: t.label(lang_of(request)) for t in _registry(request).targets()}
    reasons = {code: (zh, en) for code, (zh, en) in EXCLUSION_REASONS.items()}
    files = _files(_registry(request), next((v for v in history if v["version_id"] == head["current_version_id"]), None))
    return render(request, "record.html", head=head, steps=steps, labels=_labels(request), files=files,
                  kind=kind, counts=[(names.get(code, code), how) for code, how in counts],
                  reasons=reasons,
                  done=_known("one.done", done), error=_known("err", error))


def _files(registry: Any, current: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The evidence files the record's current version names."""
    if current is None:
        return []
    try:
        form = registry.form(current["form_id"], current["form_version"])
        data = current["data"] if isinstance(current["data"], dict) else json.loads(current["data"])
    except Exception:  # a version the province could not lay out still shows, without files
        return []
    return named_attachments(form, data)


@router.get("/records/{record_id}/attachments/{sha256}")
async def attachment(request: Request, record_id: str, sha256: str) -> Response:
    """A file one of the record's versions names, as received (its hash checked again)."""
    province = province_of(request)
    history = await run_in_threadpool(catalog.versions, province, record_id)
    named = [e for v in history for e in _files(_registry(request), v) if e.get("sha256") == sha256]
    found = await run_in_threadpool(
        lambda: province.db.run(lambda tx: complete_file(tx, sha256), write=False)) if named else None
    if found is None:
        return render(request, "error.html", status=404, reason="not_found")
    content, media_type = found
    # Always a download, never shown in the console's own origin: a file is the office's, not ours.
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{sha256[:16]}{SUFFIXES.get(media_type, '')}\"; "
                               f"filename*=UTF-8''{quote(file_name(str(named[-1].get('name', '')), media_type))}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


async def _decide(request: Request, record_id: str, staff: Staff, action: str) -> Response:
    fields = await form(request, staff)
    require(staff, "reviewer")
    province = province_of(request)
    version_id = fields.get("version_id", "")
    page = f"/console/records/{record_id}"
    try:
        if action == "accept":
            await run_in_threadpool(review.accept, province, record_id, version_id,
                                    staff.username)
        else:
            await run_in_threadpool(review.return_for_correction, province, record_id,
                                    version_id, fields.get("reason", ""), staff.username)
    except StaleVersion:
        return redirect(f"{page}?error=stale")
    except review.ReviewError as exc:
        return redirect(f"{page}?error={exc}")
    except NotFound:
        return render(request, "error.html", status=404, reason="not_found")
    return redirect(f"{page}?done={action}")


@router.post("/records/{record_id}/accept")
async def accept(request: Request, record_id: str, staff: SignedIn) -> Response:
    return await _decide(request, record_id, staff, "accept")


@router.post("/records/{record_id}/return")
async def return_record(request: Request, record_id: str,
                        staff: SignedIn) -> Response:
    return await _decide(request, record_id, staff, "return")


# -- 重复 ------------------------------------------------------------------------------------


@router.get("/duplicates")
async def duplicates(request: Request, form_id: str = "", decided: str = "", page: str = "1",
                     done: str = "", error: str = "") -> Response:
    province = province_of(request)
    await run_in_threadpool(catalog.catch_up, province)
    number = max(1, min(int(page), 100000)) if page.isdigit() and len(page) < 7 else 1
    groups, total = await run_in_threadpool(
        lambda: review.duplicate_groups(province, form_id=form_id[:32], decided=decided,
                                        offset=(number - 1) * 30))
    try:
        keys = _registry(request).reference("duplicate_keys").items
        key_labels = {k.code: k.label(lang_of(request)) for k in keys}
    except LookupError:
        key_labels = {}
    return render(request, "duplicates.html", groups=groups, total=total, page=number,
                  key_labels=key_labels,
                  form_id=form_id, decided=decided, labels=_labels(request),
                  done=done if done == "resolved" else "", error=_known("err", error))


@router.post("/duplicates/resolve")
async def resolve(request: Request, staff: SignedIn) -> Response:
    fields = await form(request, staff)
    require(staff, "reviewer")
    try:
        await run_in_threadpool(review.resolve_duplicate, province_of(request),
                                fields.get("form_id", ""), fields.get("dup_key", ""),
                                fields.get("org_unit", ""), fields.get("reason", ""),
                                staff.username)
    except review.ReviewError as exc:
        return redirect(f"/console/duplicates?error={exc}")
    return redirect("/console/duplicates?done=resolved")


# -- 设备 ------------------------------------------------------------------------------------


@router.get("/devices")
async def devices_page(request: Request, done: str = "", error: str = "") -> Response:
    rows = await run_in_threadpool(devices.overview, province_of(request))
    issued = await run_in_threadpool(devices.codes, province_of(request))
    return render(request, "devices.html", rows=rows, codes=issued, labels=_labels(request),
                  now=utc_now(),
                  done=_known("dev.done", done), error=_known("err", error))


@router.post("/devices/codes")
async def issue_code(request: Request, staff: SignedIn) -> Response:
    fields = await form(request, staff)
    require(staff, "admin")
    try:
        issued = await run_in_threadpool(
            devices.issue, province_of(request), fields.get("org_unit", "").strip(),
            fields.get("hours", "72"), staff.username, _endpoint(request))
    except devices.DeviceError as exc:
        return redirect(f"/console/devices?error={exc}")
    return render(request, "code.html", issued=issued, labels=_labels(request))


def _endpoint(request: Request) -> str:
    # The address this page was reached at (behind a proxy: the scheme and host it passes on).
    return str(request.base_url).rstrip("/")


@router.post("/devices/{device_id}/revoke")
async def revoke(request: Request, device_id: str, staff: SignedIn) -> Response:
    fields = await form(request, staff)
    require(staff, "admin")
    try:
        await run_in_threadpool(devices.revoke, province_of(request), device_id,
                                fields.get("reason", ""), staff.username)
    except devices.DeviceError as exc:
        return redirect(f"/console/devices?error={exc}")
    return redirect("/console/devices?done=revoked")


# -- 填报期 ---------------------------------------------------------------------------------


@router.get("/periods")
async def periods_page(request: Request) -> Response:
    province = province_of(request)
    listed = sorted(await run_in_threadpool(periods.periods, province), key=lambda p: (-p.year, p.form_id))
    shown = [(p, await run_in_threadpool(periods.standing, province, p)) for p in listed if p.state == "open"]
    return render(request, "periods.html", periods=listed, standings=shown, labels=_labels(request))


# -- 批次与日志 -------------------------------------------------------------------------------


@router.get("/batches")
async def batches_page(request: Request, before: str = "") -> Response:
    province = province_of(request)
    rows, checkpoint = await run_in_threadpool(
        devices.batches, province, int(before) if before.isdigit() and len(before) < 19 else None)
    return render(request, "batches.html", rows=rows, checkpoint=checkpoint,
                  labels=_labels(request))


@router.get("/batches/{batch_id}")
async def batch_page(request: Request, batch_id: str) -> Response:
    found = await run_in_threadpool(devices.batch, province_of(request), batch_id)
    if found is None:
        return render(request, "error.html", status=404, reason="not_found")
    return render(request, "batch.html", batch=found, labels=_labels(request))


# -- 导出 ------------------------------------------------------------------------------------


@router.get("/export")
async def export_page(request: Request) -> Response:
    filters = Filters.from_query(request.query_params)
    return render(request, "export.html", filters=filters, labels=_labels(request),
                  states=catalog.STATES, query=filters.query_items())


@router.get("/export.xlsx")
async def export_xlsx(request: Request, staff: SignedIn) -> Response:
    province = province_of(request)
    await run_in_threadpool(catalog.catch_up, province)
    filters = Filters.from_query(request.query_params)
    path = await run_in_threadpool(export.write_xlsx, province, filters, lang_of(request),
                                   staff.username)
    name = f"anhui-province-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.xlsx"

    def chunks() -> Any:
        try:
            with open(path, "rb") as fh:
                while block := fh.read(1 << 16):
                    yield block
        finally:
            path.unlink(missing_ok=True)

    return StreamingResponse(chunks(), media_type=export.XLSX_TYPE,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- 操作日志 --------------------------------------------------------------------------------


@router.get("/actions")
async def actions_page(request: Request, staff: SignedIn, before: str = "",
                       actor: str = "") -> Response:
    require(staff, "admin")
    rows = await run_in_threadpool(
        lambda: actions.recent(province_of(request).db, limit=100,
                               before=int(before) if before.isdigit() and len(before) < 19
                               else None,
                               actor=actor[:64] or None))
    return render(request, "actions.html", rows=rows, actor=actor)


def handle_login_required(request: Request, exc: Exception) -> Response:
    """No session: a page redirects to the login page; anything else is refused."""
    if request.method in ("GET", "HEAD"):
        return redirect(f"/console/login?next={request.url.path}")
    return render(request, "error.html", status=403, reason="login")


def handle_denied(request: Request, exc: Exception) -> Response:
    """A role or CSRF refusal, as a page that says which."""
    reason = exc.reason if isinstance(exc, Denied) else "role"
    return render(request, "error.html", status=403, reason=reason)
