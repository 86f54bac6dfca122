"""The office device's signing key and enrollment, kept inside the encrypted store.

The key pair is made the first time it is needed (enrolling, or signing an export) and
never leaves the database except as its public half.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.store.clock import utc_now
from desktop.store.connection import write_transaction
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
    key = generate_private_key()
    with write_transaction(office.db) as db:
        db.execute(
            "INSERT OR IGNORE INTO device (id, private_key, created_at) VALUES (1, ?, ?)",
            [private_key_to_pem(key).decode("ascii"), utc_now()],
        )
    # Another writer may have won the race; the stored key is the one that counts.
    return private_key_from_pem(_row(office)["private_key"].encode("ascii"))  # type: ignore[index]


def replace_device_key(office: Office, key: Ed25519PrivateKey) -> None:
    with write_transaction(office.db) as db:
        db.execute("UPDATE device SET private_key = ? WHERE id = 1", [private_key_to_pem(key).decode("ascii")])


def enrollment(office: Office) -> Enrollment | None:
    row = _row(office)
    if row is None or not row["device_id"]:
        return None
    return Enrollment(row["device_id"], row["endpoint"], row["ca_bundle"], row["enrolled_at"], bytes(row["enrollment_reply"]))


def save_enrollment(office: Office, *, device_id: str, endpoint: str, ca_bundle: str | None,
                    enrolled_at: str, reply: bytes, province_key: str) -> None:
    """Record the enrollment and pin the province's key, in one transaction."""
    with write_transaction(office.db) as db:
        db.execute(
            "UPDATE device SET device_id = ?, endpoint = ?, ca_bundle = ?, enrolled_at = ?, enrollment_reply = ? WHERE id = 1",
            [device_id, endpoint, ca_bundle, enrolled_at, reply],
        )
        db.execute("DELETE FROM province_keys")
        db.execute("INSERT INTO province_keys (position, public_key, added_at) VALUES (1, ?, ?)", [province_key, utc_now()])


def _row(office: Office) -> dict[str, Any] | None:
    return next(office.db.query("SELECT * FROM device WHERE id = 1"), None)
