"""An auditor's offline checks: receipts with this package alone, and the documented
openssl recipe (run straight from docs/protocol.md) on a real receipt."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sync.keys import public_key_to_b64
from sync.receipts import verify_receipt
from tests.sync.offices import enroll_device, version
from tests.sync.servers import ROOT, ProvinceServer


def recipe() -> str:
    text = (ROOT / "docs/protocol.md").read_text("utf-8")
    section = text[text.index("## 11."):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match
    return match.group(1)


def test_receipts_verify_offline_and_with_openssl(shared_province: ProvinceServer,
                                                  tmp_path: Path) -> None:
    device = enroll_device(shared_province)
    batch = device.batch([version(device.org_unit)])
    with device.client() as client:
        result = client.send_batch(batch.envelope)
    # Offline, with nothing but the bytes and the pinned key.
    receipt, checkpoint = verify_receipt(result.receipt_bytes, device.trust().lookup,
                                         batch_envelope=batch.envelope)
    assert receipt.batch_id == batch.batch_id
    if not (shutil.which("openssl") and shutil.which("jq")):
        pytest.skip("openssl or jq not installed")
    for name, envelope in (("receipt", result.receipt_bytes),
                           ("checkpoint", receipt.checkpoint.to_bytes()),
                           ("batch", batch.envelope)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "envelope.json").write_bytes(envelope)
        key = (device.enrollment.province_public_key if name != "batch" else
               public_key_to_b64(device.key))
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", recipe()], cwd=folder,
                             capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "PUBKEY_B64": key})
        assert "Signature Verified Successfully" in run.stdout, run.stderr
        # One flipped payload byte and openssl refuses.
        assert b'"payload":"ey' in envelope  # base64 of '{"'
        tampered = envelope.replace(b'"payload":"ey', b'"payload":"fy', 1)
        (folder / "envelope.json").write_bytes(tampered)
        run = subprocess.run(["bash", "-uo", "pipefail", "-c", recipe()], cwd=folder,
                             capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "PUBKEY_B64": key})
        assert "Signature Verified Successfully" not in run.stdout
