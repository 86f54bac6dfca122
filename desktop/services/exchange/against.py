"""Cross-check an office export against the province's own export (``anhui-province export``).

The province's manifest is signed by its key; with it verified against the trusted keys,
every batch the province holds for this device must be in the office export byte for byte.
This catches what no single export can show alone: an office that dropped batches and rolled
its chain-head statement back to an older one.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from desktop.services.exchange.anchors import Anchors
from desktop.services.exchange.files import file_digest
from desktop.services.exchange.report import VerifyReport
from sync import dsse
from sync.encoding import DecodeError, parse_json_object
from sync.errors import ProtocolError
from sync.protocol import payload_type

EXPORT_MANIFEST_TYPE = payload_type("export-manifest")
MAX_LINE = 256 << 20


def check_against(folder: Path, province: Path, anchors: Anchors, report: VerifyReport) -> None:
    """Every batch of this device in the province's export is in ``folder``, identical."""
    where = f"{province}"
    if anchors.enrollment is None:
        report.add(where, "本导出没有可验证的登记回执，无法与省级导出比对", "this export has no verifiable enrollment to compare with")
        return
    try:
        manifest = parse_json_object(dsse.verify((province / "manifest.dsse.json").read_bytes(), anchors.lookup,
                                                 EXPORT_MANIFEST_TYPE).payload)
        expected = manifest["files"]["batches.jsonl"]
    except (OSError, ProtocolError, DecodeError, KeyError, TypeError) as exc:
        report.add(f"{where}/manifest.dsse.json", f"省级导出的清单不是受信任的省级密钥签发的：{exc}",
                   f"the province export's manifest is not signed by a trusted province key: {exc}")
        return
    batches = province / "batches.jsonl"
    if file_digest(batches).get("sha256") != expected:
        report.add(f"{where}/batches.jsonl", "与省级签名清单不符", "does not match the province's signed manifest")
        return
    device = anchors.enrollment.device_id
    held = 0
    with open(batches, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                item = json.loads(line[:MAX_LINE])
                if item.get("device_id") != device:
                    continue
                sequence = int(item["sequence"])
                envelope = base64.b64decode(item["envelope"], validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error):
                report.add(f"{where}/batches.jsonl:{n}", "该行无法读取", "line cannot be read")
                continue
            held += 1
            rel = f"sync/batches/{sequence:06d}.json"
            try:
                ours = (folder / rel).read_bytes()
            except OSError:
                report.add(rel, f"省里持有本设备的第 {sequence} 批，办公室导出中却没有",
                           f"the province holds batch {sequence} of this device; the office export lacks it")
                continue
            if ours != envelope:
                report.add(rel, f"与省里持有的第 {sequence} 批字节不同", f"differs from the province's copy of batch {sequence}")
    report.checked["province_batches"] = held
