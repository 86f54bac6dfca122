"""设备 and 批次与日志 through the running console: a code issued on the page enrolls an
office, a revocation on the page stops its next batch, batches show their receipts and the
signed checkpoint."""

from __future__ import annotations

import html
import re

from sync.client import enroll
from sync.keys import generate_private_key
from tests.console.seed import enterprise, make_version, send
from tests.sync.offices import FAST, Device


def test_code_issued_on_the_page_enrolls_and_revocation_stops_the_device(province, staff):
    admin = staff("admin")
    issued = admin.post("/console/devices/codes", {"org_unit": "340104", "hours": "2"})
    assert issued.status_code == 200
    code = html.unescape(re.search(r'id="issued-code">([^<]+)<', issued.text).group(1))  # type: ignore[union-attr]
    assert re.search(r'<img src="data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+" alt="QR"', issued.text)
    assert province.url in issued.text  # the endpoint the office is to use
    key = generate_private_key()
    device = Device(province, key, enroll(province.url, code, key, org_unit="340104",
                                          label="蜀山区 办公室", options=FAST))
    send(device, [make_version("340104", "enterprise", enterprise(5))])
    page = admin.get("/console/devices", params={"lang": "zh"}).text
    row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{device.device_id}(?:(?!</tr>).)*</tr>', page, re.S)
    assert row and "使用中" in row.group(0) and "蜀山区 办公室" in row.group(0)
    batches = province.query("SELECT COUNT(*) FROM batches WHERE device_id = ?",
                             (device.device_id,))[0][0]
    assert batches >= 1 and f'<td class="num">{batches}</td>' in row.group(0)
    assert "已于" in page  # the code shows as used
    # The code works once.
    again = admin.post(f"/console/devices/{device.device_id}/revoke", {"reason": ""})
    assert "error=" in again.headers["location"]  # a revocation needs a reason
    done = admin.post(f"/console/devices/{device.device_id}/revoke", {"reason": "设备丢失"})
    assert done.headers["location"].endswith("done=revoked")
    assert province.query("SELECT revoke_reason FROM devices WHERE device_id = ?",
                          (device.device_id,)) == [("设备丢失",)]
    refused = device.batch([make_version("340104", "enterprise", enterprise(6))])
    with device.client() as client:
        try:
            client.send_batch(refused.envelope)
        except Exception as exc:  # the protocol's Revoked error
            assert "revoked" in str(exc).lower()
        else:
            raise AssertionError("a revoked device's batch was accepted")
    log = admin.get("/console/actions", params={"lang": "zh"}).text
    assert "签发登记码" in log and "吊销设备" in log and "设备丢失" in log


def test_batches_page_shows_each_batch_its_receipt_and_the_checkpoint(province, staff):
    from tests.sync.offices import enroll_device

    device = enroll_device(province, "340202")
    send(device, [make_version("340202", "enterprise", enterprise(i)) for i in range(3)])
    send(device, [make_version("340202", "enterprise", enterprise(9))])
    viewer = staff("viewer")
    page = viewer.get("/console/batches").text
    stored = province.query("SELECT batch_id FROM batches ORDER BY log_index")
    for (batch_id,) in stored:
        assert str(batch_id) in page
    size = int(re.search(r'id="tree-size">(\d+)<', page).group(1))  # type: ignore[union-attr]
    assert size == len(stored)
    one = viewer.get(f"/console/batches/{stored[0][0]}").text
    assert "receipt" in one.lower() or "回执" in one
    assert viewer.get("/console/batches/no-such-batch").status_code == 404
