"""Enrollment codes, device key rotation and province key rotation, on both databases."""

from __future__ import annotations

import json

import pytest

from sync.client import check_enrollment_code, enroll
from sync.errors import (
    EnrollmentCodeExpired,
    EnrollmentCodeUnknown,
    EnrollmentCodeUsed,
    EnrollmentOrgUnitMismatch,
    KeyRetired,
    RotationConflict,
    UntrustedProvinceKey,
)
from sync.keys import generate_private_key, key_id
from sync.office import build_key_rotation
from sync.trust import ProvinceTrust
from tests.sync.offices import (
    FAST,
    Device,
    enroll_device,
    expire_code,
    issue_code,
    stored,
    version,
)
from tests.sync.servers import ProvinceServer


def test_code_works_once_and_a_lost_reply_can_be_fetched_again(
        shared_province: ProvinceServer) -> None:
    code = issue_code(shared_province, "340104")
    key = generate_private_key()
    first = enroll(shared_province.url, code, key, org_unit="340104", options=FAST, label="一号机")
    assert first.org_unit == "340104" and first.device_id.startswith("dev-")
    # Same code, same key (the reply was lost): the same signed reply again.
    again = enroll(shared_province.url, code.lower(), key, org_unit="340104", options=FAST)
    assert again.reply == first.reply
    # Same code, another key: refused.
    with pytest.raises(EnrollmentCodeUsed):
        enroll(shared_province.url, code, generate_private_key(), org_unit="340104", options=FAST)
    with pytest.raises(EnrollmentCodeUnknown):
        enroll(shared_province.url, "AAAA-BBBB-CCCC-DDDD", generate_private_key(),
               org_unit="340104", options=FAST)
    devices = json.loads(shared_province.cli("devices", "list", "--json"))
    assert sum(d["device_id"] == first.device_id for d in devices) == 1


def test_expired_code_is_refused_and_creates_nothing(shared_province: ProvinceServer) -> None:
    code = issue_code(shared_province, "340104")
    expire_code(shared_province, code)
    before = len(json.loads(shared_province.cli("devices", "list", "--json")))
    with pytest.raises(EnrollmentCodeExpired) as refused:
        enroll(shared_province.url, code, generate_private_key(), org_unit="340104", options=FAST)
    assert refused.value.status == 410
    assert len(json.loads(shared_province.cli("devices", "list", "--json"))) == before


def test_operator_named_province_key_is_checked(shared_province: ProvinceServer) -> None:
    info = json.loads(shared_province.cli("enroll-code", "--org-unit", "340104", "--json"))
    result = enroll(shared_province.url, info["code"], generate_private_key(), org_unit="340104",
                    options=FAST,
                    expected_province_key_id=info["province_key_id"])
    assert result.province_key_id == info["province_key_id"]
    with pytest.raises(UntrustedProvinceKey):
        enroll(shared_province.url, issue_code(shared_province, "340104"), generate_private_key(),
               org_unit="340104", options=FAST, expected_province_key_id="0" * 64)


def test_device_key_rotation_signed_by_the_old_key(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        built_before = device.batch([version(device.org_unit)])  # built, not yet sent
        new_key = generate_private_key()
        statement = build_key_rotation(device.key, new_key, device.device_id, from_sequence=2)
        client.rotate_device_key(statement)
        client.rotate_device_key(statement)  # a resend after a lost reply is harmless
        # The batch built before the rotation, signed by the old key, still goes through.
        client.send_batch(built_before.envelope)
        # From sequence 2 the old key is refused...
        with pytest.raises(KeyRetired):
            client.send_batch(device.batch([version(device.org_unit)], advance=False).envelope)
        with pytest.raises(KeyRetired):
            client.pull_updates(0)
        # ...and the new one works, for batches and pulls alike.
        old_key, device.key = device.key, new_key
        client.device_key = new_key
        client.send_batch(device.batch([version(device.org_unit)]).envelope)
        client.pull_updates(0)
        # The old key cannot rotate again to a key of its choosing.
        with pytest.raises(RotationConflict):
            client.rotate_device_key(build_key_rotation(old_key, generate_private_key(),
                                                         device.device_id, from_sequence=3))
    assert stored(shared_province, device.device_id) == (2, 2)
    listed = {d["device_id"]: d for d in json.loads(shared_province.cli("devices", "list", "--json"))}
    assert listed[device.device_id]["key_id"] == key_id(new_key)


def test_province_key_rotation_is_followed_from_the_pinned_key(province: ProvinceServer) -> None:
    device = enroll_device(province)
    pinned = device.enrollment.province_key_id
    learned: list[list[str]] = []
    with device.client(on_new_province_keys=lambda keys, rotations: learned.append(keys)) as client:
        client.send_batch(device.batch([version(device.org_unit)]).envelope)
        out = province.cli("rotate-key")
        assert pinned in out
        # The running server signs with the new key; the client learns it through the
        # rotation statement signed by the key it pinned, and the receipt verifies.
        result = client.send_batch(device.batch([version(device.org_unit)]).envelope)
        new_id = province.cli("key").strip()
        assert new_id != pinned
        assert learned and len(learned[-1]) == 2
        assert key_id(client.trust.keys[new_id]) == new_id
        assert result.receipt.sequence == 2
    # A fresh trust pinned to an unrelated key never accepts the province's new key.
    stranger = ProvinceTrust([generate_private_key().public_key()])
    with Device(province, device.key, device.enrollment).client() as other:
        other.trust = stranger
        with pytest.raises(UntrustedProvinceKey):
            other.checkpoint()


def test_a_code_for_another_org_unit_is_refused_and_stays_usable(
        shared_province: ProvinceServer) -> None:
    """The office declares its org unit; a code bound to another is refused before anything
    is written, so the right office can still use it and the refused one can enroll with the
    right code using the same key (no "key already enrolled" lock-out)."""
    code = issue_code(shared_province, "340102")
    key = generate_private_key()
    assert check_enrollment_code(shared_province.url, code, options=FAST).org_unit == "340102"
    with pytest.raises(EnrollmentOrgUnitMismatch) as refused:
        enroll(shared_province.url, code, key, org_unit="340104", options=FAST)
    assert refused.value.status == 409 and refused.value.code_org_unit == "340102"
    assert shared_province.query("SELECT used_at, device_id FROM enrollment_codes WHERE "
                                 "org_unit = '340102' AND used_at IS NULL") != []
    assert key_id(key) not in [r[0] for r in shared_province.query("SELECT key_id FROM device_keys")]
    # The same key enrolls with a code of its own org unit...
    mine = enroll(shared_province.url, issue_code(shared_province, "340104"), key,
                  org_unit="340104", options=FAST)
    assert mine.org_unit == "340104"
    # ...and the first code still works for the office it was meant for.
    theirs = enroll(shared_province.url, code, generate_private_key(), org_unit="340102",
                    options=FAST)
    assert theirs.org_unit == "340102"
    with pytest.raises(EnrollmentCodeUsed):
        check_enrollment_code(shared_province.url, code, options=FAST)


def test_code_check_names_unknown_and_expired_codes(shared_province: ProvinceServer) -> None:
    with pytest.raises(EnrollmentCodeUnknown):
        check_enrollment_code(shared_province.url, "AAAA-BBBB-CCCC-DDDD", options=FAST)
    code = issue_code(shared_province, "340111")
    info = check_enrollment_code(shared_province.url, code.lower(), options=FAST)
    assert info.org_unit == "340111" and info.expires_at.endswith("Z")
    expire_code(shared_province, code)
    with pytest.raises(EnrollmentCodeExpired):
        check_enrollment_code(shared_province.url, code, options=FAST)


@pytest.mark.parametrize("args, message", [
    (["--org-unit", "999999"], "不是区划表中的单位代码"),
    (["--org-unit", "蜀山区"], "不是区划表中的单位代码"),
    (["--org-unit", "340104", "--expires-hours", "0"], "之间"),
    (["--org-unit", "340104", "--expires-hours", "-3"], "之间"),
    (["--org-unit", "340104", "--expires-hours", "nan"], "之间"),
    (["--org-unit", "340104", "--expires-hours", "1e9"], "之间"),
    (["--org-unit", "340104", "--expires-hours", "soon"], "应为数字"),
])
def test_enroll_code_refuses_bad_operator_input(shared_province: ProvinceServer,
                                                args: list[str], message: str) -> None:
    before = shared_province.query("SELECT COUNT(*) FROM enrollment_codes")[0][0]
    done = shared_province.cli_process("enroll-code", *args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert shared_province.query("SELECT COUNT(*) FROM enrollment_codes")[0][0] == before
