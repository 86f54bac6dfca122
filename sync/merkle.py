"""An append-only Merkle log with RFC 6962 / RFC 9162 hashing, proofs and their verification.

Leaves hash as ``SHA-256(0x00 || data)``, interior nodes as ``SHA-256(0x01 || left || right)``
and the empty tree as ``SHA-256("")``. The verification functions are pure and need nothing but
their arguments, so an auditor can check a receipt offline with this module alone.

Storage is left to the caller: proofs are computed from the hashes of *perfect, aligned*
subtrees, ``get(level, index)`` = the root over leaves ``[index * 2**level, (index+1) * 2**level)``.
Appending a leaf adds at most ``log2(n) + 1`` such nodes (:func:`nodes_for_append`), and every
root or proof then needs only ``O(log n)`` of them, so a database-backed log stays cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

SubtreeGetter = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256 over 0x00 followed by the leaf data."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256 over 0x01, left child, right child."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def nodes_for_append(index: int, hash_: bytes, get: SubtreeGetter) -> list[tuple[int, int, bytes]]:
    """The perfect subtree nodes ``(level, index, hash)`` that appending leaf ``index`` completes.

    ``index`` must equal the tree size before the append; ``get`` must already know every
    node completed by earlier appends.
    """
    nodes = [(0, index, hash_)]
    level, idx, current = 0, index, hash_
    while idx & 1:
        current = node_hash(get(level, idx - 1), current)
        level, idx = level + 1, idx >> 1
        nodes.append((level, idx, current))
    return nodes


def subtree_root(start: int, end: int, get: SubtreeGetter) -> bytes:
    """MTH(D[start:end]) for the ranges the RFC's recursion produces."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return get(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree_root(start, start + k, get), subtree_root(start + k, end, get))


def root(size: int, get: SubtreeGetter) -> bytes:
    """The root hash of the first ``size`` leaves."""
    return subtree_root(0, size, get)


def inclusion_proof(index: int, size: int, get: SubtreeGetter) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]): the audit path of leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError("index must be inside the tree")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, start, start + k), subtree_root(start + k, end, get)]
        return [*path(m - k, start + k, end), subtree_root(start, start + k, get)]

    return path(index, 0, size)


def consistency_proof(first: int, second: int, get: SubtreeGetter) -> list[bytes]:
    """RFC 6962 PROOF(first, D[0:second]): shows the first tree is a prefix of the second."""
    if not 0 <= first <= second:
        raise ValueError("need 0 <= first <= second")
    if first in (0, second):
        return []

    def sub(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [subtree_root(start, end, get)]
        k = _split(n)
        if m <= k:
            return [*sub(m, start, start + k, whole), subtree_root(start + k, end, get)]
        return [*sub(m - k, start + k, end, False), subtree_root(start, start + k, get)]

    return sub(first, 0, second, True)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` under ``root_hash``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of size ``first`` a prefix of the one of ``second``?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf *hashes*, straight from the RFC's definition (for audits and tests)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_from_leaves(leaves[:k]), root_from_leaves(leaves[k:]))


class MemoryLog:
    """An in-memory log over the same node scheme the province stores in its database."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def get(self, level: int, index: int) -> bytes:
        """The stored perfect-subtree hash (KeyError when not complete yet)."""
        return self.nodes[(level, index)]

    def append(self, data: bytes) -> int:
        """Append leaf data; return its index."""
        index = self.size
        for level, idx, value in nodes_for_append(index, leaf_hash(data), self.get):
            self.nodes[(level, idx)] = value
        self.size += 1
        return index

    def root(self, size: int | None = None) -> bytes:
        """Root over the first ``size`` leaves (all by default)."""
        return root(self.size if size is None else size, self.get)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf ``index`` in the tree of ``size`` leaves."""
        return inclusion_proof(index, self.size if size is None else size, self.get)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """Proof that the first ``first`` leaves are a prefix of the first ``second``."""
        return consistency_proof(first, self.size if second is None else second, self.get)
