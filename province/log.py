"""The province's append-only Merkle log, stored in ``log_entries`` and ``log_nodes``.

Appends happen inside the batch's own transaction with the ``log`` counter row locked, so the
log, the batch and its receipt commit together or not at all, and concurrent servers append
one at a time in a single order.
"""

from __future__ import annotations

from province.clock import utc_now
from province.db import Tx
from province.signing import Signer
from sync import dsse, merkle
from sync.protocol import CHECKPOINT_TYPE, Checkpoint


class Nodes:
    """Perfect-subtree hashes read from the database, with this transaction's new ones."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.cache: dict[tuple[int, int], bytes] = {}

    def prefetch(self, keys: list[tuple[int, int]]) -> None:
        """Read the given nodes in one query (those that exist)."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self.cache]
        if not wanted:
            return
        where = " OR ".join(["(level = ? AND node_index = ?)"] * len(wanted))
        for level, index, value in self.tx.rows(
                f"SELECT level, node_index, hash FROM log_nodes WHERE {where}",
                [x for key in wanted for x in key]):
            self.cache[(int(level), int(index))] = bytes(value)

    def get(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            value = self.tx.scalar(
                "SELECT hash FROM log_nodes WHERE level = ? AND node_index = ?", [level, index])
            if value is None:
                raise LookupError(f"log node {key} missing")
            self.cache[key] = bytes(value)
        return self.cache[key]


def log_id(tx: Tx) -> str:
    """This province's log id (random, fixed at the first start)."""
    return str(tx.scalar("SELECT value FROM meta WHERE key = 'log_id'"))


def tree_size(tx: Tx, *, lock: bool = False) -> int:
    """The number of entries; with ``lock`` the counter row stays locked until commit."""
    sql = "SELECT value FROM counters WHERE name = 'log'" + (" FOR UPDATE" if lock else "")
    return int(tx.scalar(sql))


def sign_checkpoint(tx: Tx, signer: Signer, size: int, root: bytes) -> dsse.Envelope:
    """A signed tree head for ``size`` entries."""
    checkpoint = Checkpoint(log_id(tx), size, root.hex(), utc_now())
    return signer.sign(checkpoint.to_json(), CHECKPOINT_TYPE)


def frontier(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees ``(level, index)`` a tree of ``size`` leaves is made of, left to
    right: all an append, the new root and the new leaf's audit path need from storage."""
    nodes, start = [], 0
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def append(tx: Tx, signer: Signer, leaf: bytes, batch_id: str) -> tuple[int, dsse.Envelope, list[str]]:
    """Append one entry; return its index, the new signed checkpoint and its inclusion proof.

    Locks the log's counter row until the transaction ends, so it reads what it needs in one
    query and writes in a few: every batch of every device waits on this lock.
    """
    index = tree_size(tx, lock=True)
    nodes = Nodes(tx)
    nodes.prefetch(frontier(index) + frontier(index + 1))
    added = merkle.nodes_for_append(index, merkle.leaf_hash(leaf), nodes.get)
    tx.execute_many("INSERT INTO log_nodes (level, node_index, hash) VALUES (?, ?, ?)", added)
    for level, node_index, value in added:
        nodes.cache[(level, node_index)] = value
    tx.execute("INSERT INTO log_entries (log_index, leaf, leaf_hash, batch_id) VALUES (?, ?, ?, ?)",
               [index, leaf, merkle.leaf_hash(leaf), batch_id])
    size = index + 1
    tx.execute("UPDATE counters SET value = ? WHERE name = 'log'", [size])
    checkpoint = sign_checkpoint(tx, signer, size, merkle.root(size, nodes.get))
    tx.execute("INSERT INTO checkpoints (tree_size, envelope) VALUES (?, ?)",
               [size, checkpoint.to_bytes()])
    proof = [p.hex() for p in merkle.inclusion_proof(index, size, nodes.get)]
    return index, checkpoint, proof


def latest_checkpoint(tx: Tx, signer: Signer) -> bytes:
    """The newest stored checkpoint (a freshly signed empty one before the first entry)."""
    row = tx.one("SELECT envelope FROM checkpoints ORDER BY tree_size DESC LIMIT 1")
    if row is not None:
        return bytes(row[0])
    return sign_checkpoint(tx, signer, 0, merkle.EMPTY_ROOT).to_bytes()


def inclusion(tx: Tx, index: int, size: int) -> tuple[str, list[str]]:
    """Leaf hash and audit path of entry ``index`` in the tree of ``size`` entries."""
    leaf = tx.scalar("SELECT leaf_hash FROM log_entries WHERE log_index = ?", [index])
    nodes = Nodes(tx)
    return bytes(leaf).hex(), [p.hex() for p in merkle.inclusion_proof(index, size, nodes.get)]


def consistency(tx: Tx, first: int, second: int) -> list[str]:
    """Proof that the first ``first`` entries are a prefix of the first ``second``."""
    return [p.hex() for p in merkle.consistency_proof(first, second, Nodes(tx).get)]


def entry(tx: Tx, index: int) -> tuple[bytes, bytes] | None:
    """The leaf data and leaf hash of entry ``index``."""
    row = tx.one("SELECT leaf, leaf_hash FROM log_entries WHERE log_index = ?", [index])
    return None if row is None else (bytes(row[0]), bytes(row[1]))
