"""The office device's signing key and enrollment, kept inside the encrypted store.

The key pair is made the first time it is needed (enrolling, or signing an export) and
never leaves the database except as its public half.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.errors import OfficeError
from desktop.store.clock import utc_now
from desktop.store.office import Office
from sync.keys import (
    Ed25519PrivateKey,
    generate_private_key,
    private_key_from_pem,
    private_key_to_pem,
)


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    endpoint: str
    ca_bundle: str | None
    enrolled_at: str
    reply: bytes


def device_key(office: Office) -> Ed25519PrivateKey:
    """This office's device key, created on first use."""
    row = _row(office)
    if row is not None:
        return private_key_from_pem(row["private_key"].encode("ascii"))
    pem = private_key_to_pem(generate_private_key()).decode("ascii")

    def create(db: Any) -> str:
        db.execute("INSERT OR IGNORE INTO device (id, private_key, created_at) VALUES (1, ?, ?)", [pem, utc_now()])
        # An earlier job may have made it first; the stored key is the one that counts.
        return str(next(db.query("SELECT private_key FROM device WHERE id = 1"))["private_key"])

    return private_key_from_pem(office.write(create).encode("ascii"))


def start_afresh(office: Office) -> Ed25519PrivateKey:
    """Make a new device key and forget any earlier enrollment, so the office can enrol again.

    For an office the province would otherwise never accept again: its key already belongs
    to a device there (an enrollment whose reply was lost, or one the province consumed for
    the wrong org unit). The new key is stored before it is ever sent, so a crash after the
    province accepted it cannot lose it. Refused once the device has sent batches: its signed
    chain and receipts belong to that device, and a new device would start another chain.
    """
    key = generate_private_key()
    office.write(lambda db: _start_afresh(db, key))
    return key


def _start_afresh(db: Any, key: Ed25519PrivateKey) -> None:
    """The writer job of ``start_afresh``: one transaction, all of it or none."""
    sent = next(db.query("SELECT count(*) AS n FROM batches"))["n"]
    if sent:
        row = next(db.query("SELECT device_id FROM device WHERE id = 1"), None)
        device_id = row["device_id"] if row else ""
        raise OfficeError(
            f"本设备（{device_id}）已向省里发送过 {sent} 个批次，不能改用新密钥重新登记：这些批次和回执属于该设备。"
            "如设备被省里吊销或需要更换，请联系省数据资源局。",
            f"This device ({device_id}) has already sent {sent} batches to the province, so it cannot "
            "start again with a new key: those batches and receipts belong to it. If the province "
            "revoked the device or it must be replaced, contact the province.",
        )
    pem = private_key_to_pem(key).decode("ascii")
    db.execute(
        "INSERT INTO device (id, private_key, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "private_key = excluded.private_key, created_at = excluded.created_at, device_id = NULL, "
        "endpoint = NULL, ca_bundle = NULL, enrolled_at = NULL, enrollment_reply = NULL",
        [pem, utc_now()],
    )
    # Nothing was ever sent, so nothing of the old enrollment is worth keeping; a checkpoint
    # or cursor of another province would only make the new one look inconsistent.
    for table in ("province_keys", "checkpoints", "key_rotation", "sync_state"):
        db.execute(f"DELETE FROM {table}")


def replace_device_key(office: Office, key: Ed25519PrivateKey) -> None:
    pem = private_key_to_pem(key).decode("ascii")

    def job(db: Any) -> None:
        db.execute("UPDATE device SET private_key = ? WHERE id = 1", [pem])

    office.write(job)


def enrollment(office: Office) -> Enrollment | None:
    row = _row(office)
    if row is None or not row["device_id"]:
        return None
    return Enrollment(row["device_id"], row["endpoint"], row["ca_bundle"], row["enrolled_at"], bytes(row["enrollment_reply"]))


def save_enrollment(office: Office, *, device_id: str, endpoint: str, ca_bundle: str | None,
                    enrolled_at: str, reply: bytes, province_key: str) -> None:
    """Record the enrollment and pin the province's key, in one transaction."""

    def save(db: Any) -> None:
        db.execute(
            "UPDATE device SET device_id = ?, endpoint = ?, ca_bundle = ?, enrolled_at = ?, enrollment_reply = ? WHERE id = 1",
            [device_id, endpoint, ca_bundle, enrolled_at, reply],
        )
        db.execute("DELETE FROM province_keys")
        db.execute("INSERT INTO province_keys (position, public_key, added_at) VALUES (1, ?, ?)", [province_key, utc_now()])

    office.write(save)


def _row(office: Office) -> dict[str, Any] | None:
    return next(office.db.query("SELECT * FROM device WHERE id = 1"), None)
