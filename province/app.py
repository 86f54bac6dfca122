"""The provincial endpoint as a FastAPI application (served by uvicorn).

The request guard (:mod:`province.guard`) wraps the whole app, so its limits apply to every
route mounted here; the sync API's routes are in :mod:`province.api`. Errors are the typed
protocol errors, rendered as ``{"error": {"code", "message", ...}}``; nothing else leaks.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from province import api_models as m
from province import console
from province.api import router
from province.context import Province, Settings
from province.guard import RequestGuard, error_response
from province.limits import Limits
from sync.errors import InternalError, MalformedRequest, ProtocolError
from sync.protocol import PROTOCOL_VERSION

logger = logging.getLogger("anhui_province")


def create_app(settings: Settings) -> FastAPI:
    """Build the app for one province (opens the database and the key at once)."""
    province = Province.open(settings)
    # Load the forms engine now: a broken engine should stop the start, not fail each batch.
    province.validator.registry()
    app = FastAPI(
        title="Anhui future-industry data collection: provincial endpoint",
        version=f"protocol {PROTOCOL_VERSION}",
        description="Offices enroll, send signed batches and pull signed updates. "
                    "Every message, field, limit and error is described in docs/protocol.md.",
    )
    app.state.province = province
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    install_error_handlers(app)
    app.include_router(router)
    console.mount(app)
    # Added last, so it is outermost: every request of every route meets the limits first.
    app.add_middleware(RequestGuard, limits=settings.limits)
    app.openapi = lambda: complete_openapi(app)  # type: ignore[method-assign]
    return app


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to a documented JSON error; headers such as ``Allow`` are kept."""

    @app.exception_handler(ProtocolError)
    async def protocol_error(request: Request, exc: ProtocolError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name the parameters, never echo their values (they may be megabytes long).
        names = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        return error_response(MalformedRequest(f"invalid parameters: {', '.join(names)}"))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
        body = {"error": {"code": code, "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(InternalError("unexpected error; the province logged it"))


def complete_openapi(app: FastAPI) -> dict[str, Any]:
    """The sync API's OpenAPI document, every schema a ``$ref`` names defined (cached).

    The staff console's pages are HTML behind a session, not part of the API offices use:
    they are left out.
    """
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=router.routes)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for model in m.REFERENCED:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in found.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas.setdefault(model.__name__, found)
        app.openapi_schema = spec
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: settings come from the env."""
    settings = Settings.make(
        os.environ.get("ANHUI_PROVINCE_HOME") or None,
        os.environ.get("ANHUI_PROVINCE_DATABASE_URL") or None,
        max_batch_versions=int(os.environ.get("ANHUI_PROVINCE_MAX_BATCH_VERSIONS", "500")),
        limits=Limits.from_env(),
    )
    return create_app(settings)
