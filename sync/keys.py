"""Ed25519 keys: key ids, encodings, and private key files written atomically with mode 0600.

A key id is the lower-case hex SHA-256 of the raw 32-byte public key. It is only ever a hint
for looking a key up: every signature is verified with the key found, never accepted because
the id matched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sync.encoding import DecodeError, b64decode, b64encode

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "generate_private_key",
    "key_id",
    "load_private_key",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_b64",
    "public_key_raw",
    "public_key_to_b64",
    "public_key_to_pem",
    "write_private_key",
]


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key from the operating system's random source."""
    return Ed25519PrivateKey.generate()


def public_key_raw(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The raw 32 bytes of a public key (of the private key's public half when given one)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The protocol's key id: hex SHA-256 of the raw public key."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()


def public_key_to_b64(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The raw public key as standard base64, the way messages carry it."""
    return b64encode(public_key_raw(key))


def public_key_from_b64(text: object) -> Ed25519PublicKey:
    """Decode a base64 raw public key; ``ValueError`` when it is not 32 valid bytes."""
    try:
        raw = b64decode(text)
    except DecodeError as exc:
        raise ValueError(str(exc)) from None
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_to_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """SubjectPublicKeyInfo PEM, which ``openssl pkeyutl -verify`` reads."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_key_to_pem(key: Ed25519PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM; protect the file, not the bytes (mode 0600)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_pem(data: bytes) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM private key, refusing anything that is not Ed25519."""
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write ``key`` to ``path`` atomically (temp file, fsync, rename) with mode 0600.

    The temporary file gets its restrictive mode before any key byte is written, so the key
    is never readable by others, not even for an instant.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private_key_to_pem(key))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a private key file written by :func:`write_private_key`."""
    return private_key_from_pem(path.read_bytes())
