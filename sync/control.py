"""Messages around the batches: enrollment, pulling signed updates, key rotations, config.

Like :mod:`sync.protocol`, each is a frozen dataclass with a strict parser. The envelopes that
carry them, and who signs each, are described in ``docs/protocol.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from sync.fields import HEX64, ID, Fields
from sync.protocol import PROTOCOL_VERSION, payload_type

ENROLLMENT_REQUEST_TYPE = payload_type("enrollment-request")
ENROLLMENT_TYPE = payload_type("enrollment")
PULL_REQUEST_TYPE = payload_type("pull-request")
RECEIPT_REQUEST_TYPE = payload_type("receipt-request")
UPDATE_TYPE = payload_type("update")
DEVICE_KEY_ROTATION_TYPE = payload_type("device-key-rotation")
PROVINCE_KEY_ROTATION_TYPE = payload_type("province-key-rotation")

B64_KEY = re.compile(r"^[A-Za-z0-9+/]{43}=$")
NONCE = re.compile(r"^[0-9a-z][0-9a-z.]{0,127}$")
CODE = re.compile(r"^[A-Z0-9-]{8,64}$")
UPDATE_KINDS = ("form_version", "reference_data", "record_returned", "reporting_period")
PERIOD_STATES = ("open", "closed")
DATE_OR_EMPTY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")
MAX_PULL = 500


@dataclass(frozen=True)
class EnrollmentRequest:
    """Signed by the *new device key*: "enroll me, this key, with this one-time code"."""

    code: str
    public_key: str
    label: str
    org_unit: str
    """The org unit the office was set up for; the province uses only a code bound to it."""

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "code": self.code, "public_key": self.public_key,
                "label": self.label, "org_unit": self.org_unit}

    @classmethod
    def from_json(cls, obj: Any) -> EnrollmentRequest:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.text("code", max_len=64, pattern=CODE),
                  f.text("public_key", max_len=44, pattern=B64_KEY),
                  f.text("label", max_len=200, empty=True),
                  f.text("org_unit", max_len=32, pattern=ID))
        f.done()
        return msg


@dataclass(frozen=True)
class Enrollment:
    """Signed by the province: the device's identity and the key the office must pin."""

    device_id: str
    org_unit: str
    device_key_id: str
    province_key_id: str
    province_public_key: str
    log_id: str
    enrolled_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION, "device_id": self.device_id, "org_unit": self.org_unit,
            "device_key_id": self.device_key_id, "province_key_id": self.province_key_id,
            "province_public_key": self.province_public_key, "log_id": self.log_id,
            "enrolled_at": self.enrolled_at,
        }

    @classmethod
    def from_json(cls, obj: Any) -> Enrollment:
        f = Fields(obj)
        f.protocol()
        msg = cls(
            f.text("device_id", max_len=128, pattern=ID), f.text("org_unit", max_len=32, pattern=ID),
            f.text("device_key_id", pattern=HEX64), f.text("province_key_id", pattern=HEX64),
            f.text("province_public_key", max_len=44, pattern=B64_KEY),
            f.text("log_id", max_len=128), f.text("enrolled_at", max_len=40),
        )
        f.done()
        return msg


@dataclass(frozen=True)
class PullRequest:
    """Signed by the device: "updates after ``since``, at most ``limit`` of them".

    ``nonce`` is one the province issued (``POST /v1/nonces``); it works once, so a captured
    request cannot be replayed to read later updates.
    """

    device_id: str
    since: int
    limit: int
    request_id: str
    nonce: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id, "since": self.since,
                "limit": self.limit, "request_id": self.request_id, "nonce": self.nonce}

    @classmethod
    def from_json(cls, obj: Any) -> PullRequest:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.text("device_id", max_len=128, pattern=ID), f.integer("since"),
                  f.integer("limit", minimum=1, maximum=MAX_PULL),
                  f.text("request_id", max_len=128, pattern=ID),
                  f.text("nonce", max_len=128, pattern=NONCE))
        f.done()
        return msg


@dataclass(frozen=True)
class ReceiptRequest:
    """Signed by the device: "the receipt of my batch ``batch_id``", with a one-time nonce."""

    device_id: str
    batch_id: str
    nonce: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id,
                "batch_id": self.batch_id, "nonce": self.nonce}

    @classmethod
    def from_json(cls, obj: Any) -> ReceiptRequest:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.text("device_id", max_len=128, pattern=ID),
                  f.text("batch_id", max_len=128, pattern=ID),
                  f.text("nonce", max_len=128, pattern=NONCE))
        f.done()
        return msg


@dataclass(frozen=True)
class Update:
    """Signed by the province: one published form version, reference data set, returned record,
    or a reporting period (填报期) of a yearly form opened or closed.

    ``update_id`` numbers all updates province-wide without gaps, in commit order, so an office's
    cursor (the last id it applied) never skips one. ``audience`` is ``"*"`` or one org unit.
    """

    update_id: int
    kind: str
    audience: str
    published_at: str
    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "update_id": self.update_id, "kind": self.kind,
                "audience": self.audience, "published_at": self.published_at, "body": self.body}

    @classmethod
    def from_json(cls, obj: Any) -> Update:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.integer("update_id", minimum=1), f.text("kind", max_len=40),
                  f.text("audience", max_len=32), f.text("published_at", max_len=40), f.mapping("body"))
        if msg.kind not in UPDATE_KINDS:
            raise f.fail("kind", f"must be one of {', '.join(UPDATE_KINDS)}")
        f.done()
        body = Fields(msg.body, "$.body")
        if msg.kind == "form_version":
            body.text("form_id", max_len=64)
            body.integer("version", minimum=1)
            body.mapping("definition")
        elif msg.kind == "reference_data":
            body.text("name", max_len=64)
            body.integer("version", minimum=1)
            body.raw("content")
        elif msg.kind == "reporting_period":
            body.text("form_id", max_len=64)
            body.integer("year", minimum=2000, maximum=2100)
            if body.text("state", max_len=8) not in PERIOD_STATES:
                raise body.fail("state", f"must be one of {', '.join(PERIOD_STATES)}")
            body.text("due", max_len=10, pattern=DATE_OR_EMPTY, empty=True)
        else:
            for key in ("record_id", "version_id", "org_unit", "returned_at"):
                body.text(key, max_len=128)
            body.text("reason", max_len=4000)
        body.done()
        return msg


@dataclass(frozen=True)
class DeviceKeyRotation:
    """Signed by the device's old *and* new key: from ``from_sequence`` on, batches use the new one."""

    device_id: str
    old_key_id: str
    new_key_id: str
    new_public_key: str
    from_sequence: int

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id,
                "old_key_id": self.old_key_id, "new_key_id": self.new_key_id,
                "new_public_key": self.new_public_key, "from_sequence": self.from_sequence}

    @classmethod
    def from_json(cls, obj: Any) -> DeviceKeyRotation:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.text("device_id", max_len=128, pattern=ID), f.text("old_key_id", pattern=HEX64),
                  f.text("new_key_id", pattern=HEX64),
                  f.text("new_public_key", max_len=44, pattern=B64_KEY),
                  f.integer("from_sequence", minimum=1))
        f.done()
        return msg


@dataclass(frozen=True)
class ProvinceKeyRotation:
    """Signed by the province's old and new key: the announcement offices verify before trusting."""

    log_id: str
    old_key_id: str
    new_key_id: str
    new_public_key: str
    issued_at: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "log_id": self.log_id, "old_key_id": self.old_key_id,
                "new_key_id": self.new_key_id, "new_public_key": self.new_public_key,
                "issued_at": self.issued_at}

    @classmethod
    def from_json(cls, obj: Any) -> ProvinceKeyRotation:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.text("log_id", max_len=128), f.text("old_key_id", pattern=HEX64),
                  f.text("new_key_id", pattern=HEX64),
                  f.text("new_public_key", max_len=44, pattern=B64_KEY),
                  f.text("issued_at", max_len=40))
        f.done()
        return msg


@dataclass(frozen=True)
class ServerConfig:
    """What ``GET /v1/config`` advertises (unsigned: nothing in it is trusted for security)."""

    protocol: int
    log_id: str
    province_key_id: str
    max_batch_versions: int
    max_body_bytes: int
    max_pull: int
    server_time: str
    batch_versions: tuple[int, ...] = (1,)
    """Batch protocol versions the province accepts; a province that does not say takes 1."""

    def to_json(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "log_id": self.log_id,
                "province_key_id": self.province_key_id,
                "max_batch_versions": self.max_batch_versions,
                "max_body_bytes": self.max_body_bytes, "max_pull": self.max_pull,
                "server_time": self.server_time, "batch_versions": list(self.batch_versions)}

    @classmethod
    def from_json(cls, obj: Any) -> ServerConfig:
        f = Fields(obj)
        msg = cls(f.integer("protocol"), f.text("log_id", max_len=128), f.text("province_key_id"),
                  f.integer("max_batch_versions", minimum=1), f.integer("max_body_bytes", minimum=1),
                  f.integer("max_pull", minimum=1), f.text("server_time", max_len=40))
        versions = obj.get("batch_versions", [1])
        if not isinstance(versions, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in versions):
            raise f.fail("batch_versions", "must be a list of integers")
        # Unknown keys are tolerated here only: config may grow without a new protocol version.
        return replace(msg, batch_versions=tuple(versions))
