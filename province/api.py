"""The sync API's routes: enrollment, batches and receipts, updates, keys and the public log.

Handlers take the body the request guard already read (bounded, plain), hand the exact bytes
to the protocol code in a worker thread and answer with the exact signed bytes it returns.
Ids in paths and queries are bounded here, so nothing out of range reaches the database.
What anyone may read without a signature is public by design: the log's hashes and sizes,
checkpoints, the province's keys and config. Receipts go only to their own device.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from province import api_models as m
from province import batches, chain_heads, enrollment, freshness, log, signing, updates, uploads
from province.clock import utc_now
from province.context import Province
from sync.compact import BATCH_TYPES
from sync.control import MAX_PULL, ServerConfig
from sync.errors import NotFound
from sync.fields import ID
from sync.keys import key_id
from sync.protocol import PROTOCOL_VERSION
from sync.uploads import CHUNK_HEADER

JSON = "application/json"
MAX_INDEX = 2**62
"""Log indexes and tree sizes in queries: far beyond any real log, far inside int64."""

Index = Annotated[int, Path(ge=0, le=MAX_INDEX, description="log index")]
BatchId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID.pattern,
                              description="the batch id the office chose")]


def _raw(content: bytes, status: int = 200) -> Response:
    return Response(content=content, status_code=status, media_type=JSON)


def _province(request: Request) -> Province:
    return request.app.state.province  # type: ignore[no-any-return]


router = APIRouter()


@router.get("/healthz", tags=["service"], summary="Liveness", response_model=m.Health)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/config", tags=["service"], response_model=m.Config,
            summary="What the province advertises (batch size, limits, current key)",
            responses=m.errors(429, 503))
def config(request: Request) -> dict[str, Any]:
    province = _province(request)
    log_id = province.db.run(log.log_id, write=False)
    return ServerConfig(PROTOCOL_VERSION, log_id, key_id(province.signer.key()),
                        province.settings.max_batch_versions,
                        province.settings.limits.max_body_bytes, MAX_PULL, utc_now(),
                        tuple(BATCH_TYPES)).to_json()


@router.post("/v1/nonces", tags=["service"], status_code=201, response_model=m.Nonce,
             summary="A one-time nonce for a signed read request (pull, receipt)",
             responses=m.errors(429))
def nonce(request: Request) -> dict[str, str]:
    province = _province(request)
    return freshness.issue(province.signer, province.settings.limits.nonce_lifetime)


@router.post("/v1/enrollments", tags=["enrollment"], status_code=201,
             summary="Enroll a device key with a one-time code",
             openapi_extra=m.json_body("EnrollmentBody", "the key and its signed request"),
             responses={201: {"model": m.Envelope, "description": "enrollment envelope"},
                        200: {"model": m.Envelope, "description": "the same reply again"},
                        **m.errors(400, 401, 403, 409, 410, 413, 415, 429, 503)})
async def enroll(request: Request) -> Response:
    body = await request.body()
    status, reply = await run_in_threadpool(enrollment.enroll, _province(request), body)
    return _raw(reply, status)


@router.post("/v1/enrollments/check", tags=["enrollment"], response_model=m.CodeInfo,
             summary="Whom an unused enrollment code is for (changes nothing)",
             openapi_extra=m.json_body("CodeCheckBody", "the code as the operator gave it"),
             responses=m.errors(400, 403, 409, 410, 413, 429, 503))
async def check_code(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(await run_in_threadpool(enrollment.check_code, _province(request), body))


@router.post("/v1/batches", tags=["batches"], status_code=201,
             summary="Send a signed batch; answered by a signed receipt",
             openapi_extra=m.envelope_body("batch envelope signed by the device key"),
             responses={201: {"model": m.Envelope, "description": "receipt envelope"},
                        200: {"model": m.Envelope, "description": "the stored receipt (replay)"},
                        **m.errors(400, 401, 403, 409, 413, 415, 429, 503)})
async def send_batch(request: Request) -> Response:
    body = await request.body()
    status, receipt = await run_in_threadpool(batches.receive_batch, _province(request), body)
    return _raw(receipt, status)


@router.post("/v1/batches/{batch_id}/receipt", tags=["batches"],
             summary="The stored receipt of one of the signing device's batches",
             openapi_extra=m.envelope_body("receipt-request envelope signed by the device key"),
             responses={200: {"model": m.Envelope, "description": "receipt envelope"},
                        **m.errors(400, 401, 403, 404, 413, 415, 429, 503)})
async def receipt(request: Request, batch_id: BatchId) -> Response:
    body = await request.body()
    return _raw(await run_in_threadpool(batches.fetch_receipt, _province(request), batch_id, body))


@router.post("/v1/attachments/chunks", tags=["attachments"], response_model=m.ChunkAnswer,
             summary="One chunk of an evidence file; answered by how much of the file is held",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                 "description": "the chunk's raw bytes; its signed X-Anhui-Chunk header names them"}},
             responses=m.errors(400, 401, 403, 409, 413, 415, 422, 429, 503))
async def attachment_chunk(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(await run_in_threadpool(uploads.receive_chunk, _province(request),
                                                request.headers.get(CHUNK_HEADER), body))


@router.post("/v1/updates/pull", tags=["updates"], response_model=m.PullReply,
             summary="Signed updates for the device's org unit after a cursor",
             openapi_extra=m.envelope_body("pull-request envelope signed by the device key"),
             responses=m.errors(400, 401, 403, 413, 415, 429, 503))
async def pull(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(await run_in_threadpool(updates.pull, _province(request), body))


@router.post("/v1/devices/key-rotations", tags=["enrollment"],
             response_model=m.KeyRotationReply, summary="Rotate a device key",
             openapi_extra=m.envelope_body("device-key-rotation envelope signed by old and new key"),
             responses=m.errors(400, 401, 403, 409, 413, 415, 429, 503))
async def rotate(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse(await run_in_threadpool(enrollment.rotate_device_key,
                                                _province(request), body))


@router.post("/v1/devices/chain-head", tags=["batches"],
             summary="The province's signed statement of where the device's chain ends",
             openapi_extra=m.envelope_body("chain-head-request envelope signed by the device key"),
             responses={200: {"model": m.Envelope, "description": "chain-head envelope"},
                        **m.errors(400, 401, 403, 413, 415, 429, 503)})
async def chain_head(request: Request) -> Response:
    body = await request.body()
    return _raw(await run_in_threadpool(chain_heads.chain_head, _province(request), body))


@router.get("/v1/province/keys", tags=["keys"], response_model=m.ProvinceKeys,
            summary="Province keys and the rotations that link them", responses=m.errors(429, 503))
def province_keys(request: Request) -> dict[str, Any]:
    return _province(request).db.run(signing.keys_reply, write=False)


@router.get("/v1/log/checkpoint", tags=["log"], summary="The newest signed checkpoint",
            responses={200: {"model": m.Envelope}, **m.errors(429, 503)})
def checkpoint(request: Request) -> Response:
    province = _province(request)
    return _raw(province.db.run(lambda tx: log.latest_checkpoint(tx, province.signer),
                                write=False))


@router.get("/v1/log/entries/{index}", tags=["log"], response_model=m.LogEntryReply,
            summary="One log entry's hash and size (its content goes only to its device)",
            responses=m.errors(400, 404, 429, 503))
def entry(request: Request, index: Index) -> dict[str, Any]:
    found = _province(request).db.run(lambda tx: log.entry(tx, index), write=False)
    if found is None:
        raise NotFound(f"no log entry {index}")
    leaf, leaf_hash = found
    return {"index": index, "leaf_hash": leaf_hash.hex(), "leaf_size": len(leaf)}


@router.get("/v1/log/inclusion", tags=["log"], response_model=m.InclusionReply,
            summary="Inclusion proof of an entry in a tree size",
            responses=m.errors(400, 404, 429, 503))
def inclusion(request: Request, index: int = Query(ge=0, le=MAX_INDEX),
              tree_size: int = Query(ge=1, le=MAX_INDEX)) -> dict[str, Any]:
    def work(tx: Any) -> dict[str, Any]:
        if not index < tree_size <= log.tree_size(tx):
            raise NotFound("index or tree_size is outside the log")
        leaf, proof = log.inclusion(tx, index, tree_size)
        return {"index": index, "tree_size": tree_size, "leaf_hash": leaf, "proof": proof}

    return _province(request).db.run(work, write=False)


@router.get("/v1/log/consistency", tags=["log"], response_model=m.ConsistencyReply,
            summary="Consistency proof between two tree sizes",
            responses=m.errors(400, 404, 429, 503))
def consistency(request: Request, first: int = Query(ge=0, le=MAX_INDEX),
                second: int = Query(ge=0, le=MAX_INDEX)) -> dict[str, Any]:
    def work(tx: Any) -> dict[str, Any]:
        if not first <= second <= log.tree_size(tx):
            raise NotFound("tree sizes are outside the log")
        return {"first": first, "second": second, "proof": log.consistency(tx, first, second)}

    return _province(request).db.run(work, write=False)
