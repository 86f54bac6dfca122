"""``POST /v1/devices/chain-head``: the province signs where a device's batch chain ends.

The answer lets an office prove, offline, that its audit export holds every batch the
province received from it. Nothing is stored but the request's one-time nonce: the statement is made from the device's row
and the log's newest checkpoint, read in that order so the checkpoint always covers the
device's last batch (a batch and its checkpoint commit together).
"""

from __future__ import annotations

from province import freshness, log
from province.batches import read_signed_read
from province.clock import utc_now
from province.context import Province
from province.db import Tx
from sync import dsse
from sync.chainhead import CHAIN_HEAD_REQUEST_TYPE, CHAIN_HEAD_TYPE, ChainHead, ChainHeadRequest
from sync.errors import Revoked


def chain_head(province: Province, body: bytes) -> bytes:
    """Verify the device's request and answer with a signed ``chain-head`` envelope."""
    request, owner, expires_at = read_signed_read(province, body, CHAIN_HEAD_REQUEST_TYPE,
                                                  ChainHeadRequest.from_json)

    def work(tx: Tx) -> bytes:
        device = tx.one("SELECT org_unit, revoked_at, next_sequence, last_batch_hash "
                        "FROM devices WHERE device_id = ?", [owner.device_id])
        assert device is not None  # device_keys references devices
        org_unit, revoked_at, next_sequence, last_hash = device
        if revoked_at is not None:
            raise Revoked("this device was revoked by the province", revoked_at=revoked_at)
        freshness.consume(tx, owner.device_id, request.nonce, expires_at)
        checkpoint = dsse.parse(log.latest_checkpoint(tx, province.signer))
        head = ChainHead(owner.device_id, org_unit, int(next_sequence) - 1, last_hash or None,
                         request.history, checkpoint, utc_now())
        return province.signer.sign(head.to_json(), CHAIN_HEAD_TYPE).to_bytes()

    return province.db.run(work)
