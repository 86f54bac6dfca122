"""The provincial endpoint as a FastAPI application (served by uvicorn).

Handlers read the raw body (bounded, gzip-aware), hand the exact bytes to the protocol code
in a worker thread and answer with the exact signed bytes it returns. Errors are the typed
protocol errors, rendered as ``{"error": {"code", "message", ...}}``; nothing else leaks.
"""

from __future__ import annotations

import base64
import logging
import os
import zlib
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from province import api_models as m
from province import batches, console, enrollment, log, signing, updates
from province.clock import utc_now
from province.context import Province, Settings
from sync.compact import BATCH_TYPES
from sync.control import MAX_PULL, ServerConfig
from sync.errors import (
    BatchTooLarge,
    InternalError,
    MalformedRequest,
    NotFound,
    ProtocolError,
)
from sync.keys import key_id
from sync.protocol import PROTOCOL_VERSION

logger = logging.getLogger("anhui_province")
JSON = "application/json"


def _raw(content: bytes, status: int = 200) -> Response:
    return Response(content=content, status_code=status, media_type=JSON)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped if sent so, never more than ``limit`` bytes either way."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise BatchTooLarge(f"request body over {limit} bytes", max_body_bytes=limit)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return bytes(raw)
    if encoding != "gzip":
        raise MalformedRequest(f"unsupported Content-Encoding {encoding!r}; use gzip")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(bytes(raw), limit + 1)
    except zlib.error as exc:
        raise MalformedRequest(f"body is not valid gzip: {exc}") from None
    if len(body) > limit or inflater.unconsumed_tail:
        raise BatchTooLarge(f"request body over {limit} bytes once decompressed",
                            max_body_bytes=limit)
    if not inflater.eof:
        raise MalformedRequest("gzip body is truncated")
    return body


def create_app(settings: Settings) -> FastAPI:
    """Build the app for one province (opens the database and the key at once)."""
    province = Province.open(settings)
    # Load the forms engine now: a broken engine should stop the start, not fail each batch.
    province.validator.registry()
    app = FastAPI(
        title="Anhui future-industry data collection: provincial endpoint",
        version=f"protocol {PROTOCOL_VERSION}",
        description="Offices enroll, send signed batches and pull signed updates. "
                    "Every message, field and error is described in docs/protocol.md.",
    )
    app.state.province = province
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    limit = settings.max_body_bytes

    @app.exception_handler(ProtocolError)
    async def protocol_error(request: Request, exc: ProtocolError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def bad_query(request: Request, exc: RequestValidationError) -> JSONResponse:
        error = MalformedRequest(f"invalid parameters: {exc.errors()[:3]}")
        return JSONResponse(error.body(), status_code=error.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
        body = {"error": {"code": code, "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        error = InternalError("unexpected error; the province logged it")
        return JSONResponse(error.body(), status_code=error.status)

    @app.get("/healthz", tags=["service"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/config", tags=["service"], response_model=m.Config,
             summary="What the province advertises (batch size, limits, current key)")
    def config() -> dict[str, Any]:
        log_id = province.db.run(log.log_id, write=False)
        return ServerConfig(PROTOCOL_VERSION, log_id, key_id(province.signer.key()),
                            settings.max_batch_versions, settings.max_body_bytes, MAX_PULL,
                            utc_now(), tuple(BATCH_TYPES)).to_json()

    @app.post("/v1/enrollments", tags=["enrollment"], status_code=201,
              summary="Enroll a device key with a one-time code",
              openapi_extra={"requestBody": {"required": True, "content": {JSON: {"schema": {
                  "$ref": "#/components/schemas/EnrollmentBody"}}}}},
              responses={201: {"model": m.Envelope, "description": "enrollment envelope"},
                         200: {"model": m.Envelope, "description": "the same reply again"},
                         **m.errors(400, 401, 403, 409, 410, 415)})
    async def enroll(request: Request) -> Response:
        body = await read_body(request, limit)
        status, reply = await run_in_threadpool(enrollment.enroll, province, body)
        return _raw(reply, status)

    @app.post("/v1/batches", tags=["batches"], status_code=201,
              summary="Send a signed batch; answered by a signed receipt",
              openapi_extra=m.envelope_body("batch envelope signed by the device key"),
              responses={201: {"model": m.Envelope, "description": "receipt envelope"},
                         200: {"model": m.Envelope, "description": "the stored receipt (replay)"},
                         **m.errors(400, 401, 403, 409, 413, 415, 503)})
    async def send_batch(request: Request) -> Response:
        body = await read_body(request, limit)
        status, receipt = await run_in_threadpool(batches.receive_batch, province, body)
        return _raw(receipt, status)

    @app.get("/v1/batches/{batch_id}/receipt", tags=["batches"],
             summary="The stored receipt of a batch",
             responses={200: {"model": m.Envelope}, **m.errors(404)})
    def receipt(batch_id: str) -> Response:
        found = province.db.run(lambda tx: tx.scalar(
            "SELECT receipt FROM batches WHERE batch_id = ?", [batch_id]), write=False)
        if found is None:
            raise NotFound(f"no batch {batch_id}")
        return _raw(bytes(found))

    @app.post("/v1/updates/pull", tags=["updates"], response_model=m.PullReply,
              summary="Signed updates for the device's org unit after a cursor",
              openapi_extra=m.envelope_body("pull-request envelope signed by the device key"),
              responses=m.errors(400, 401, 403, 415))
    async def pull(request: Request) -> JSONResponse:
        body = await read_body(request, limit)
        return JSONResponse(await run_in_threadpool(updates.pull, province, body))

    @app.post("/v1/devices/key-rotations", tags=["enrollment"],
              response_model=m.KeyRotationReply, summary="Rotate a device key",
              openapi_extra=m.envelope_body("device-key-rotation envelope signed by old and new key"),
              responses=m.errors(400, 401, 403, 409, 415))
    async def rotate(request: Request) -> JSONResponse:
        body = await read_body(request, limit)
        return JSONResponse(await run_in_threadpool(enrollment.rotate_device_key, province, body))

    @app.get("/v1/province/keys", tags=["keys"], response_model=m.ProvinceKeys,
             summary="Province keys and the rotations that link them")
    def province_keys() -> dict[str, Any]:
        return province.db.run(signing.keys_reply, write=False)

    @app.get("/v1/log/checkpoint", tags=["log"], summary="The newest signed checkpoint",
             responses={200: {"model": m.Envelope}})
    def checkpoint() -> Response:
        return _raw(province.db.run(lambda tx: log.latest_checkpoint(tx, province.signer),
                                    write=False))

    @app.get("/v1/log/entries/{index}", tags=["log"], response_model=m.LogEntryReply,
             summary="One log entry's exact leaf bytes", responses=m.errors(404))
    def entry(index: int) -> dict[str, Any]:
        found = province.db.run(lambda tx: log.entry(tx, index), write=False)
        if found is None:
            raise NotFound(f"no log entry {index}")
        return {"index": index, "leaf": base64.b64encode(found[0]).decode(),
                "leaf_hash": found[1].hex()}

    @app.get("/v1/log/inclusion", tags=["log"], response_model=m.InclusionReply,
             summary="Inclusion proof of an entry in a tree size", responses=m.errors(400, 404))
    def inclusion(index: int = Query(ge=0), tree_size: int = Query(ge=1)) -> dict[str, Any]:
        def work(tx: Any) -> dict[str, Any]:
            if not index < tree_size <= log.tree_size(tx):
                raise NotFound("index or tree_size is outside the log")
            leaf, proof = log.inclusion(tx, index, tree_size)
            return {"index": index, "tree_size": tree_size, "leaf_hash": leaf, "proof": proof}

        return province.db.run(work, write=False)

    @app.get("/v1/log/consistency", tags=["log"], response_model=m.ConsistencyReply,
             summary="Consistency proof between two tree sizes", responses=m.errors(400, 404))
    def consistency(first: int = Query(ge=0), second: int = Query(ge=0)) -> dict[str, Any]:
        def work(tx: Any) -> dict[str, Any]:
            if not first <= second <= log.tree_size(tx):
                raise NotFound("tree sizes are outside the log")
            return {"first": first, "second": second, "proof": log.consistency(tx, first, second)}

        return province.db.run(work, write=False)

    console.mount(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: settings come from the env."""
    settings = Settings.make(
        os.environ.get("ANHUI_PROVINCE_HOME") or None,
        os.environ.get("ANHUI_PROVINCE_DATABASE_URL") or None,
        max_batch_versions=int(os.environ.get("ANHUI_PROVINCE_MAX_BATCH_VERSIONS", "500")),
        max_body_bytes=int(os.environ.get("ANHUI_PROVINCE_MAX_BODY_BYTES", str(64 << 20))),
    )
    return create_app(settings)

