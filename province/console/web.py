"""The console's HTTP plumbing: sessions, roles, CSRF, security headers, templates.

Every page is on :data:`router`, whose dependency :func:`signed_in` refuses a request without
a valid session before the handler runs; only the login page is on the public router.
Forms are URL-encoded and carry the session's CSRF token; :func:`form` refuses a form whose
token is missing or wrong. Templates are Jinja2 with autoescaping on, so anything an office
typed is shown as text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from province.console.accounts import Staff, same_token, session
from province.console.i18n import LANGS, TEXT, translator
from province.context import Province

HERE = Path(__file__).parent
SESSION_COOKIE = "anhui_console"
LANG_COOKIE = "anhui_console_lang"
MAX_FORM_BYTES = 64 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """No valid session: pages redirect to the login page, forms are refused."""


class Denied(Exception):
    """A signed-in member asked for something their role or the form's token does not allow."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def province_of(request: Request) -> Province:
    """The province the app serves."""
    return request.app.state.province  # type: ignore[no-any-return]


def lang_of(request: Request) -> str:
    """The page language: ``?lang=`` first, then the cookie, else Chinese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else "zh"


async def signed_in(request: Request) -> Staff:
    """The dependency of every console page: the session's staff member, or refusal."""
    token = request.cookies.get(SESSION_COOKIE)
    staff = session(province_of(request).db, token) if token else None
    if staff is None:
        raise LoginRequired()
    request.state.staff = staff
    return staff


def require(staff: Staff, role: str) -> None:
    """Refuse unless ``staff``'s role includes ``role``; checked on the server, every time."""
    if not staff.can(role):
        raise Denied("role")


async def form(request: Request, staff: Staff | None = None) -> dict[str, str]:
    """A submitted form's fields; refused without the right CSRF token."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            raise Denied("too_large")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=200,
                          strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise Denied("bad_form") from None
    fields = dict(pairs)
    expected = staff.csrf_token if staff else request.cookies.get("anhui_console_login")
    if not same_token(fields.get("csrf"), expected):
        raise Denied("csrf")
    return fields


# A handler parameter that is the signed-in member (the router already insists on one).
SignedIn = Annotated[Staff, Depends(signed_in)]

router = APIRouter(prefix="/console", dependencies=[Depends(signed_in)])
public = APIRouter(prefix="/console")

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)


def _url(request: Request, path: str, **params: Any) -> str:
    items = [(k, str(v)) for k, v in params.items() if v not in (None, "")]
    return path + ("?" + urlencode(items) if items else "")


def _amount(value: Any) -> str:
    """A count as an integer, an amount (亿元) with two decimals, thousands separated."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.2f}"


_env.filters["amount"] = _amount
_env.filters["plain"] = lambda value: f"{float(value):g}"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language, with the signed-in member and their CSRF token."""
    lang = lang_of(request)
    staff = getattr(request.state, "staff", None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    switch = {k: v for k, v in request.query_params.items() if k != "lang"}
    page = _env.get_template(template).render(
        t=translator(lang), known=lambda key: key in TEXT, lang=lang, staff=staff, csrf=staff.csrf_token if staff else "",
        here=here, path=request.url.path, url=lambda path, **p: _url(request, path, **p),
        other_lang_url=_url(request, request.url.path, **switch,
                            lang="en" if lang == "zh" else "zh"),
        today=dt.datetime.now(dt.UTC).date().isoformat(), **context)
    response = HTMLResponse(page, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


def redirect(path: str) -> RedirectResponse:
    """After a form: see the result page (303, so a reload does not post again)."""
    return RedirectResponse(path, status_code=303)


def apply_security_headers(response: Response) -> None:
    """The headers every console response carries (CSP without inline script, no framing)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
