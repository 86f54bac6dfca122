"""The province keys an office trusts: the key pinned at enrollment plus verified successors.

A province key rotation is announced by a ``province-key-rotation`` envelope signed by the old
key (authority) and the new key (possession). :meth:`ProvinceTrust.extend` follows such
announcements only from keys already trusted, so a chain always leads back to the pinned key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sync import dsse
from sync.control import PROVINCE_KEY_ROTATION_TYPE, ProvinceKeyRotation
from sync.encoding import DecodeError, parse_json_object
from sync.errors import ProtocolError, UntrustedProvinceKey
from sync.keys import Ed25519PublicKey, key_id, public_key_from_b64, public_key_to_b64


class ProvinceTrust:
    """A set of trusted province public keys, looked up by key id."""

    def __init__(self, keys: Iterable[Ed25519PublicKey | str]) -> None:
        self.keys: dict[str, Ed25519PublicKey] = {}
        self.rotations: list[bytes] = []
        """Every rotation statement verified by :meth:`extend` (canonical envelope bytes)."""
        for key in keys:
            public = public_key_from_b64(key) if isinstance(key, str) else key
            self.keys[key_id(public)] = public
        if not self.keys:
            raise ValueError("at least one pinned province key is required")

    def lookup(self, keyid: str) -> Ed25519PublicKey | None:
        """The trusted key with this id, or None (for :func:`sync.dsse.verify`)."""
        return self.keys.get(keyid)

    def public_keys_b64(self) -> list[str]:
        """Every trusted key as base64, the form an office stores."""
        return [public_key_to_b64(k) for k in self.keys.values()]

    def extend(self, rotations: Iterable[Mapping[str, Any] | bytes]) -> list[str]:
        """Trust the new keys of verified rotation announcements; return their key ids.

        Announcements may come in any order and may include ones already known. One whose
        old key is not (yet) trusted is skipped, never trusted on its own word.
        """
        pending: list[tuple[dsse.Envelope, ProvinceKeyRotation]] = []
        for item in rotations:
            try:
                envelope = dsse.parse(item)
                body = ProvinceKeyRotation.from_json(parse_json_object(envelope.payload))
            except (ProtocolError, DecodeError) as exc:
                raise UntrustedProvinceKey(f"malformed key rotation: {exc}") from None
            pending.append((envelope, body))
        added: list[str] = []
        progress = True
        while progress:
            progress = False
            for envelope, body in list(pending):
                old = self.keys.get(body.old_key_id)
                if old is None:
                    continue
                pending.remove((envelope, body))
                new = public_key_from_b64(body.new_public_key)
                if key_id(new) != body.new_key_id:
                    raise UntrustedProvinceKey("key rotation names a key id that is not its key's")
                try:
                    dsse.verify_all(envelope, [old, new], PROVINCE_KEY_ROTATION_TYPE)
                except ProtocolError as exc:
                    raise UntrustedProvinceKey(f"key rotation does not verify: {exc}") from None
                if body.new_key_id not in self.keys:
                    self.keys[body.new_key_id] = new
                    added.append(body.new_key_id)
                if envelope.to_bytes() not in self.rotations:
                    self.rotations.append(envelope.to_bytes())
                progress = True
        return added
