"""The provincial staff's web console, served by the endpoint's own process under /console.

Server-rendered pages (Jinja2), assets vendored under ``static/`` (no internet needed), every
page behind a session, every form behind a CSRF token, roles checked on the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles


def mount(app: FastAPI) -> None:
    """Add the console's routes, static files, error pages and security headers to ``app``."""
    from province.console import pages
    from province.console.web import HERE, Denied, LoginRequired, apply_security_headers

    app.include_router(pages.public)
    app.include_router(pages.router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.add_exception_handler(LoginRequired, pages.handle_login_required)
    app.add_exception_handler(Denied, pages.handle_denied)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=303)

    @app.middleware("http")
    async def console_headers(request: Request,
                              call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/console"):
            apply_security_headers(response)
        return response
