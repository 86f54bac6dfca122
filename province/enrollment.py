"""Enrollment codes and device keys: issue, enroll, rotate, revoke.

A code is a bearer secret: the database keeps only its SHA-256, bound to one org unit and an
expiry; a request declaring another org unit is refused and leaves the code unused. Enrolling
with the same code and the same key again answers the stored reply (a lost reply is retried
safely); any other key after first use is ``enrollment_code_used``.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from forms.text import clean_text
from province import log
from province.batches import find_device_key, read_payload, verify_device_envelope
from province.clock import in_hours, utc_now
from province.context import Province
from province.db import Tx
from sync import dsse
from sync.control import (
    DEVICE_KEY_ROTATION_TYPE,
    ENROLLMENT_REQUEST_TYPE,
    ENROLLMENT_TYPE,
    DeviceKeyRotation,
    Enrollment,
    EnrollmentRequest,
)
from sync.encoding import DecodeError, JsonLimits, parse_json_object, sha256_hex
from sync.errors import (
    BadSignature,
    DeviceMismatch,
    EnrollmentCodeExpired,
    EnrollmentCodeUnknown,
    EnrollmentCodeUsed,
    EnrollmentOrgUnitMismatch,
    KeyAlreadyEnrolled,
    MalformedPayload,
    MalformedRequest,
    NotFound,
    Revoked,
    RotationConflict,
)
from sync.fields import Fields
from sync.keys import key_id, public_key_from_b64, public_key_raw, public_key_to_b64

# Crockford's base32 alphabet without look-alikes; 16 characters are 80 bits.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
# The longest a code may stay usable: a code is a bearer secret, so it should not linger.
MAX_EXPIRES_HOURS = 30 * 24
# An enrollment body is a key and one envelope: nothing larger is ever parsed.
REQUEST_LIMITS = JsonLimits(max_depth=5, max_values=64, max_number_chars=0)


class CodeRefused(ValueError):
    """An enrollment code the operator asked for cannot be issued; the message says why."""


def normalise_code(code: str) -> str:
    """Codes are compared without dashes or spaces and in upper case."""
    return code.replace("-", "").replace(" ", "").upper()


def issue_code(province: Province, org_unit: str, expires_hours: float) -> tuple[str, str]:
    """Create a one-time code for ``org_unit``; return it (shown once) and its expiry.

    The org unit must be one of the division table's (as published), and the expiry a
    positive number of hours up to :data:`MAX_EXPIRES_HOURS`.
    """
    if not 0 < expires_hours <= MAX_EXPIRES_HOURS:  # also refuses NaN
        raise CodeRefused(f"有效期应大于 0 小时、最多 {MAX_EXPIRES_HOURS} 小时，而不是 {expires_hours}")
    unit = province.validator.registry().org_unit(org_unit)
    if unit is None:
        raise CodeRefused(f"{org_unit!r} 不是区划表中的单位代码（6 位数字，如蜀山区为 340104）")
    if unit.retired:
        raise CodeRefused(f"单位 {org_unit}（{unit.name}）在区划表中已撤销")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    expires = in_hours(expires_hours)
    province.db.run(lambda tx: tx.execute(
        "INSERT INTO enrollment_codes (code_hash, org_unit, created_at, expires_at) "
        "VALUES (?, ?, ?, ?)", [sha256_hex(normalise_code(code).encode()), org_unit, utc_now(),
                                 expires]))
    return code, expires


def _code_row(tx: Tx, code_hash: str, *, lock: bool = False) -> tuple[Any, ...]:
    row = tx.one("SELECT org_unit, expires_at, used_at, public_key, reply FROM enrollment_codes "
                 "WHERE code_hash = ?" + (" FOR UPDATE" if lock else ""), [code_hash])
    if row is None:
        raise EnrollmentCodeUnknown("no such enrollment code")
    return row


def check_code(province: Province, body: bytes) -> dict[str, str]:
    """Handle ``POST /v1/enrollments/check``: the org unit and expiry of an unused code.

    Lets an office see whom a code is for before it sends its key; nothing changes.
    """
    try:
        fields = Fields(parse_json_object(body, limits=REQUEST_LIMITS), error=MalformedRequest)
        code = fields.text("code", max_len=64)
        fields.done()
    except DecodeError as exc:
        raise MalformedRequest(f"body: {exc}") from None
    code_hash = sha256_hex(normalise_code(code).encode())

    def work(tx: Tx) -> dict[str, str]:
        org_unit, expires_at, used_at, _key, _reply = _code_row(tx, code_hash)
        if used_at is not None:
            raise EnrollmentCodeUsed("this enrollment code was already used", used_at=used_at)
        if utc_now() >= expires_at:
            raise EnrollmentCodeExpired("this enrollment code has expired", expired_at=expires_at)
        return {"org_unit": org_unit, "expires_at": expires_at}

    return province.db.run(work, write=False)


def enroll(province: Province, body: bytes) -> tuple[int, bytes]:
    """Handle ``POST /v1/enrollments``; return (201 or 200, signed enrollment reply)."""
    try:
        outer = Fields(parse_json_object(body, limits=REQUEST_LIMITS), error=MalformedRequest)
        public_b64 = outer.text("public_key", max_len=44)
        request_env = outer.mapping("request")
        outer.done()
        device_key = public_key_from_b64(public_b64)
    except DecodeError as exc:
        raise MalformedRequest(f"body: {exc}") from None
    except ValueError as exc:
        raise MalformedRequest(f"public_key: {exc}") from None
    kid = key_id(device_key)
    verified = dsse.verify(request_env, {kid: device_key}.get, ENROLLMENT_REQUEST_TYPE)
    request = read_payload(verified, EnrollmentRequest.from_json)
    if request.public_key != public_b64:
        raise BadSignature("the request is signed for another key")
    code_hash = sha256_hex(normalise_code(request.code).encode())

    def work(tx: Tx) -> tuple[int, bytes]:
        org_unit, expires_at, used_at, used_key, reply = _code_row(tx, code_hash, lock=True)
        if used_at is not None:
            if used_key is not None and bytes(used_key) == public_key_raw(device_key):
                return 200, bytes(reply)
            raise EnrollmentCodeUsed("this enrollment code was already used", used_at=used_at)
        now = utc_now()
        if now >= expires_at:
            raise EnrollmentCodeExpired("this enrollment code has expired", expired_at=expires_at)
        if request.org_unit != org_unit:
            # Refused before anything is written: the code stays usable by its own office and
            # the key stays free to enrol with the right code.
            raise EnrollmentOrgUnitMismatch(
                f"this enrollment code is for org unit {org_unit}, not {request.org_unit}",
                org_unit=org_unit)
        if tx.one("SELECT 1 FROM device_keys WHERE key_id = ?", [kid]) is not None:
            raise KeyAlreadyEnrolled("this public key already belongs to a device")
        device_id = f"dev-{uuid.uuid4().hex[:20]}"
        tx.execute("INSERT INTO devices (device_id, org_unit, label, enrolled_at, next_sequence) "
                   "VALUES (?, ?, ?, ?, 1)", [device_id, org_unit, request.label, now])
        tx.execute("INSERT INTO device_keys (key_id, device_id, public_key, added_at) "
                   "VALUES (?, ?, ?, ?)", [kid, device_id, public_key_raw(device_key), now])
        signing_key = province.signer.key()
        reply_msg = Enrollment(device_id, org_unit, kid, key_id(signing_key),
                               public_key_to_b64(signing_key), log.log_id(tx), now)
        envelope = province.signer.sign(reply_msg.to_json(), ENROLLMENT_TYPE).to_bytes()
        tx.execute("UPDATE enrollment_codes SET used_at = ?, device_id = ?, public_key = ?, "
                   "reply = ? WHERE code_hash = ?",
                   [now, device_id, public_key_raw(device_key), envelope, code_hash])
        return 201, envelope

    return province.db.run(work)


def rotate_device_key(province: Province, body: bytes) -> dict[str, object]:
    """Handle ``POST /v1/devices/key-rotations``: the old key hands over to the new one."""
    verified, owner = verify_device_envelope(province, body, DEVICE_KEY_ROTATION_TYPE)
    rotation = read_payload(verified, DeviceKeyRotation.from_json)
    old_key = province.db.run(lambda tx: find_device_key(tx, rotation.old_key_id), write=False)
    if (rotation.device_id != owner.device_id or old_key is None
            or old_key.device_id != owner.device_id):
        raise DeviceMismatch("the rotation names another device or key than its signer")
    try:
        new_key = public_key_from_b64(rotation.new_public_key)
    except ValueError as exc:
        raise MalformedPayload(f"new_public_key: {exc}") from None
    if key_id(new_key) != rotation.new_key_id:
        raise MalformedPayload("new_key_id is not the id of new_public_key")
    # Authority of the old key and possession of the new one: both must have signed.
    dsse.verify_all(body, [old_key.key, new_key], DEVICE_KEY_ROTATION_TYPE)

    def work(tx: Tx) -> dict[str, object]:
        device = tx.one("SELECT revoked_at, next_sequence FROM devices WHERE device_id = ? "
                        "FOR UPDATE", [owner.device_id])
        assert device is not None
        if device[0] is not None:
            raise Revoked("this device was revoked by the province")
        reply = {"device_id": owner.device_id, "key_id": rotation.new_key_id,
                 "from_sequence": rotation.from_sequence}
        existing = find_device_key(tx, rotation.new_key_id)
        if existing is not None:
            stored = tx.scalar("SELECT rotation FROM device_keys WHERE key_id = ?",
                               [rotation.new_key_id])
            if existing.device_id == owner.device_id and stored is not None and bytes(stored) == body:
                return reply
            raise KeyAlreadyEnrolled("the new key already belongs to a device")
        old = find_device_key(tx, rotation.old_key_id)
        if old is None or old.retired_from_sequence is not None:
            raise RotationConflict("this key was already rotated to another key")
        if rotation.from_sequence < device[1]:
            raise RotationConflict(f"from_sequence must be at least {device[1]}",
                                   expected_sequence=device[1])
        now = utc_now()
        tx.execute("UPDATE device_keys SET retired_from_sequence = ? WHERE key_id = ?",
                   [rotation.from_sequence, rotation.old_key_id])
        tx.execute("INSERT INTO device_keys (key_id, device_id, public_key, added_at, rotation) "
                   "VALUES (?, ?, ?, ?, ?)",
                   [rotation.new_key_id, owner.device_id, public_key_raw(new_key), now, body])
        return reply

    return province.db.run(work)


def revoke_device(province: Province, device_id: str, reason: str = "") -> str:
    """Revoke a device; its batches, pulls and rotations are refused from now on."""

    def work(tx: Tx) -> str:
        row = tx.one("SELECT revoked_at FROM devices WHERE device_id = ? FOR UPDATE", [device_id])
        if row is None:
            raise NotFound(f"no device {device_id}")
        if row[0] is not None:
            return str(row[0])
        now = utc_now()
        # Shown to staff in a terminal and a browser: no control characters (escape codes).
        tx.execute("UPDATE devices SET revoked_at = ?, revoke_reason = ? WHERE device_id = ?",
                   [now, clean_text(reason, multiline=True), device_id])
        return now

    return province.db.run(work)
