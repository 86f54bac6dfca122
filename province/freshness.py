"""Province-issued nonces: each signed read request (a pull, a receipt fetch) works once.

A nonce is ``<issued, hex seconds>.<random>.<MAC>``, the MAC keyed by a secret derived from the
province signing key, so every server process that shares the key file issues and checks the
same nonces without storing them. A device's signed request carries one; the province
checks its MAC and age against its own clock, then records it in ``used_nonces`` in the
request's transaction: a second use, by any process, finds it there and is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime

from province.clock import format_time, utc_now
from province.db import Tx
from province.signing import Signer
from sync.errors import StaleRequest

NONCE = re.compile(r"^([0-9a-f]{1,12})\.([0-9a-f]{32})\.([0-9a-f]{32})$")
# Tolerated difference between the clocks of two province machines sharing one database.
CLOCK_SKEW = 30.0


def _mac_key(signer: Signer) -> bytes:
    raw = signer.key().private_bytes_raw()
    return hmac.new(raw, b"anhui-province nonce v1", hashlib.sha256).digest()


def _mac(signer: Signer, issued: str, random: str) -> str:
    message = f"{issued}.{random}".encode()
    return hmac.new(_mac_key(signer), message, hashlib.sha256).hexdigest()[:32]


def issue(signer: Signer, lifetime: float) -> dict[str, str]:
    """A fresh nonce and when it stops working (province time)."""
    now = time.time()
    issued, random = f"{int(now):x}", secrets.token_hex(16)
    expires = format_time(datetime.fromtimestamp(int(now) + lifetime, UTC))
    return {"nonce": f"{issued}.{random}.{_mac(signer, issued, random)}", "expires_at": expires}


def check(signer: Signer, nonce: str, lifetime: float) -> str:
    """Check a nonce's MAC and age; return when it expires. Raises :class:`StaleRequest`."""
    match = NONCE.match(nonce)
    if match is None or not hmac.compare_digest(match[3], _mac(signer, match[1], match[2])):
        raise StaleRequest("this request's nonce was not issued by this province (or the "
                           "province key changed); ask for a new one", reason="unknown")
    issued = int(match[1], 16)
    age = time.time() - issued
    if age > lifetime or age < -CLOCK_SKEW:
        raise StaleRequest("this request's nonce has expired; ask for a new one",
                           reason="expired")
    return format_time(datetime.fromtimestamp(issued + lifetime, UTC))


def consume(tx: Tx, device_id: str, nonce: str, expires_at: str) -> None:
    """Record the nonce as used by this device, inside the request's transaction.

    Refuses a nonce already recorded: that request was answered before, so this one is a
    replay (or a resend after a lost answer, which the client repeats with a new nonce).
    """
    tx.execute("DELETE FROM used_nonces WHERE device_id = ? AND expires_at < ?",
               [device_id, utc_now()])
    added = tx.execute("INSERT INTO used_nonces (nonce, device_id, expires_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (nonce) DO NOTHING", [nonce, device_id, expires_at])
    if not added:
        raise StaleRequest("this request was already answered once (a replay); sign it again "
                           "with a new nonce", reason="replayed")
