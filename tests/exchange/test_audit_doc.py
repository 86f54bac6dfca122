"""docs/audit.md, followed literally: every shell block on the page, in order, in one shell,
from a scratch folder, against a real synced export. Nothing may be written into the export,
and the same commands must fail on a tampered one."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sync.compact import BATCH_V2_TYPE
from sync.keys import generate_private_key, key_id, public_key_to_pem
from sync.protocol import BATCH_TYPE
from tests.conftest import ROOT
from tests.exchange.forger import Forger, batch_json, forge_receipt, sign_batch

TOOLS = ("openssl", "jq", "sha256sum", "gzip", "python3")
# make test installs them; on CI (a clean machine) a missing tool is a failure, not a skip.
needs_tools = pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS) and not os.environ.get("CI"),
                                 reason="openssl, jq, sha256sum, gzip and python3 are needed (make test installs them)")


def doc_script(*, by_hand_only: bool = False) -> str:
    """The page's shell blocks in order; ``by_hand_only``: the setup block and section 3."""
    text = (ROOT / "docs/audit.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    assert len(blocks) >= 10
    if by_hand_only:
        by_hand = re.findall(r"```sh\n(.*?)```", text[text.index("## 3. By hand"):], re.S)
        assert len(by_hand) >= 10
        blocks = blocks[:1] + by_hand
    return "\n".join(blocks)


# What the guide prints only when a check by hand passes, and what it prints when one fails.
BY_HAND_PASSES = ("every listed file has its hash", "no file missing, none added", "every file is one an export writes",
                  "manifest key is the device's current key", "chain head is this device's",
                  "history passes through the entry the province signed")
FAILS = r"DIFFERS|BROKEN|DOES NOT|FAILS|ALTERED|NOT SIGNED|UNEXPECTED"


def tree_digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        sha.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            sha.update(path.read_bytes())
    return sha.hexdigest()


def follow(audited, export: Path, scratch: Path, *, by_hand_only: bool = False,
           stop_on_error: bool = True) -> subprocess.CompletedProcess[str]:
    scratch.mkdir()
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(scratch), "TMPDIR": str(scratch),
           "PYTHONPATH": str(ROOT), "EXPORT": str(export), "PROVINCE_KEY": str(audited.province_key_pem),
           "PROVINCE_EXPORT": str(audited.province_export), "LANG": "C.UTF-8"}
    flags = "-euo" if stop_on_error else "-uo"
    return subprocess.run(["bash", flags, "pipefail", "-c", doc_script(by_hand_only=by_hand_only)], cwd=scratch, env=env,
                          capture_output=True, text=True, timeout=600)


@needs_tools
def test_every_command_in_the_auditor_guide_works_as_written(audited, tmp_path):
    export = audited.copy(tmp_path / "received")
    before = tree_digest(export)
    run = follow(audited, export, tmp_path / "scratch")
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert tree_digest(export) == before  # nothing written into the export
    for expected in ("ready:", "核验通过", f"信任起点：省级公钥 {audited.province_key_id}", "与省级导出比对",
                     *BY_HAND_PASSES, "province key id: " + audited.province_key_id,
                     "history intact:", "receipts paired with batches: 6", "inclusion proofs verified: 6 receipts",
                     "batches 1-6 present and chained up to the chain head", "batches signed: 6", "receipts checked: 6"):
        assert expected in out, expected
    # Batches of both protocol versions, as an office that synced before and after it sent
    # version 2 holds them: the guide reads both, and expands the compact receipts.
    types = Counter(json.loads(b.read_bytes())["payloadType"] for b in (export / "sync/batches").glob("*.json"))
    assert set(types) == {BATCH_TYPE, BATCH_V2_TYPE}
    assert f"6 receipts ({types[BATCH_TYPE]} of version 1, {types[BATCH_V2_TYPE]} compact)" in out
    trusted = out.split("trusted province keys:")[1].splitlines()[0].split()
    assert sorted(trusted) == sorted([audited.province_key_id, audited.first_province_key_id])
    assert out.count("Signature Verified Successfully") == 1  # the manifest; envelopes say whose key
    assert not re.search(FAILS, out)


@needs_tools
def test_the_guide_fails_on_a_tampered_export(audited, tmp_path):
    export = audited.copy(tmp_path / "received")
    batch = sorted((export / "sync/batches").glob("*.json"))[0]
    batch.write_bytes(batch.read_bytes().replace(b'"payload":"', b'"payload":"e', 1))
    run = follow(audited, export, tmp_path / "scratch")
    assert run.returncode != 0
    assert "核验未通过" in run.stdout and "sync/batches/" in run.stderr
    assert os.path.exists(batch)


@needs_tools
def test_by_hand_alone_refuses_forgeries_made_with_the_offices_key(audited, tmp_path):
    # Section 3 on its own (no app installed): the fresh-key rebuild and the receipt forged
    # under an added province key both fail, each at the check that names it.
    fresh = audited.copy(tmp_path / "fresh-key")
    forger = Forger(fresh, generate_private_key())
    forger.edit_version(forger.records["enterprise"][0]["version_id"], name="伪造的企业名称")
    forger.rebuild()
    for rel in ("keys/device.pem", "keys/device-enrolled.pem"):
        (fresh / rel).write_bytes(public_key_to_pem(forger.key))
    forger.manifest["device"]["key_id"] = key_id(forger.key)
    forger.sign()
    out = follow(audited, fresh, tmp_path / "s1", by_hand_only=True, stop_on_error=False).stdout
    assert "enrolled with key" not in out and "manifest key is the device's current key" not in out
    assert out.count("BATCH NOT SIGNED BY THE DEVICE") == 6
    assert "history passes through the entry the province signed" not in out

    receipt_forged = audited.copy(tmp_path / "receipt")
    last = sorted(receipt_forged.glob("sync/batches/*.json"))[-1]
    province_key = generate_private_key()
    (receipt_forged / "keys/province-3.pem").write_bytes(public_key_to_pem(province_key))
    receipt = sorted(receipt_forged.glob(f"sync/receipts/*-batch-{last.stem}.json"))[-1]
    receipt.write_bytes(forge_receipt(last.read_bytes(), province_key))
    Forger(receipt_forged, audited.device_private).sign()
    out = follow(audited, receipt_forged, tmp_path / "s2", by_hand_only=True, stop_on_error=False).stdout
    assert f"RECEIPT NOT SIGNED BY THE PROVINCE: {receipt}" in out
    assert out.count("RECEIPT NOT SIGNED") == 1
    assert key_id(province_key) not in out.split("trusted province keys:")[1].splitlines()[0]


@needs_tools
def test_by_hand_a_compact_receipt_holds_only_with_the_batch_it_answers(audited, tmp_path):
    # The device's own key re-signs its last (version 2) batch with one version changed; the
    # province's genuine compact receipt, expanded with that batch, no longer is what it logged.
    folder = audited.copy(tmp_path / "rebatched")
    last = sorted(folder.glob("sync/batches/*.json"))[-1]
    assert json.loads(last.read_bytes())["payloadType"] == BATCH_V2_TYPE
    payload = batch_json(last.read_bytes())
    payload["versions"][0]["content_hash"] = "0" * 64
    last.write_bytes(sign_batch(payload, BATCH_V2_TYPE, audited.device_private))
    Forger(folder, audited.device_private).sign()
    run = follow(audited, folder, tmp_path / "s", by_hand_only=True, stop_on_error=False)
    receipt = sorted(folder.glob(f"sync/receipts/*-batch-{last.stem}.json"))[-1]
    assert f"RECEIPT DOES NOT ANSWER ITS BATCH: {receipt}" in run.stdout
    assert "INCLUSION PROOF FAILS" in run.stderr
    assert "inclusion proofs verified" not in run.stdout
    assert "batches signed: 6" in run.stdout and "BATCH NOT SIGNED" not in run.stdout
