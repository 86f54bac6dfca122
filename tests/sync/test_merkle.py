"""RFC 6962 Merkle log: roots, inclusion and consistency proofs, checked against the RFC's
own recursive definition and against tampering (hypothesis)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import merkle
from tests.sync.conftest import TRIED


def build(n: int) -> tuple[merkle.MemoryLog, list[bytes]]:
    log = merkle.MemoryLog()
    leaves = [f"entry {i}".encode() for i in range(n)]
    for leaf in leaves:
        log.append(leaf)
    return log, [merkle.leaf_hash(x) for x in leaves]


def test_hashing_is_rfc6962() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    # A leaf can never pass for a node: the prefixes differ.
    assert merkle.leaf_hash(b"a" * 32 + b"b" * 32) != merkle.node_hash(b"a" * 32, b"b" * 32)


def test_known_root_of_certificate_transparency_vectors() -> None:
    # Leaves and roots from the RFC 6962 reference test data (certificate-transparency-go).
    leaves = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                         "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
    roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    log = merkle.MemoryLog()
    for leaf, expected in zip(leaves, roots, strict=True):
        log.append(leaf)
        assert log.root().hex() == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_verify_and_tampering_fails(n: int, data: st.DataObject) -> None:
    log, hashes = build(n)
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = log.root(size)
    assert root == merkle.root_from_leaves(hashes[:size])
    proof = log.inclusion_proof(index, size)
    assert merkle.verify_inclusion(hashes[index], index, size, proof, root)
    TRIED["merkle inclusion proofs verified"] += 1
    # Any other leaf, index, size, root, or any flipped proof byte must fail.
    other = hashes[(index + 1) % size] if size > 1 else merkle.leaf_hash(b"other")
    assert not merkle.verify_inclusion(other, index, size, proof, root)
    assert not merkle.verify_inclusion(hashes[index], index, size, proof, merkle.leaf_hash(b"x"))
    if size > 1:
        wrong = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
        assert not merkle.verify_inclusion(hashes[index], wrong, size, proof, root)
    if proof:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        assert not merkle.verify_inclusion(hashes[index], index, size, bad, root)
        assert not merkle.verify_inclusion(hashes[index], index, size, proof[:-1], root)
    assert not merkle.verify_inclusion(hashes[index], index, size, [*proof, root], root)
    TRIED["merkle forged inclusion proofs refused"] += 4


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_verify_and_tampering_fails(n: int, data: st.DataObject) -> None:
    log, hashes = build(n)
    second = data.draw(st.integers(min_value=1, max_value=n))
    first = data.draw(st.integers(min_value=0, max_value=second))
    proof = log.consistency_proof(first, second)
    r1, r2 = log.root(first), log.root(second)
    assert merkle.verify_consistency(first, second, proof, r1, r2)
    TRIED["merkle consistency proofs verified"] += 1
    if 0 < first < second:
        # A rewritten history (another first root) or another second root must fail.
        forged = merkle.root_from_leaves([merkle.leaf_hash(b"forged"), *hashes[1:first]])
        assert not merkle.verify_consistency(first, second, proof, forged, r2)
        assert not merkle.verify_consistency(first, second, proof, r1, merkle.leaf_hash(b"x"))
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 0x80]) + bad[k][1:]
        assert not merkle.verify_consistency(first, second, bad, r1, r2)
        assert not merkle.verify_consistency(first, second, [], r1, r2)
        TRIED["merkle forged consistency proofs refused"] += 4


def test_out_of_range_arguments_are_refused() -> None:
    log, hashes = build(5)
    assert not merkle.verify_inclusion(hashes[0], 5, 5, [], log.root())
    assert not merkle.verify_inclusion(hashes[0], -1, 5, [], log.root())
    assert not merkle.verify_consistency(6, 5, [], log.root(), log.root())
    assert merkle.verify_consistency(5, 5, [], log.root(), log.root())
    assert not merkle.verify_consistency(5, 5, [log.root()], log.root(), log.root())
