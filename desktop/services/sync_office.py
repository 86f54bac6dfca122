"""Enroll this office's device and sync it: the one place the office calls the sync package.

Both the CLI and the GUI's sync screen use these functions; errors from the wire come
back as ``SyncFailed`` with a message a clerk can act on.
"""

from __future__ import annotations

import threading
import unicodedata

from desktop.errors import OfficeError
from desktop.services.device import device_key, enrollment, save_enrollment, start_afresh
from desktop.services.outbox import NotEnrolled, OfficeOutbox
from desktop.services.sync_lock import sync_lock
from desktop.store.office import Office
from forms.registry import load_registry
from sync import errors as e
from sync.client import ProvinceClient, enroll
from sync.runner import ProgressCallback, SyncSummary, run_sync
from sync.transport import EndpointAddressError, TransportOptions
from sync.trust import ProvinceTrust

# (zh, en) per error class, most specific first.
MESSAGES: list[tuple[type[Exception], str, str]] = [
    (e.Cancelled, "同步已取消，已完成的部分已保存。", "Sync cancelled; what was done is kept."),
    (e.Revoked, "本设备已被省里吊销，请联系省数据资源局重新登记。", "This device was revoked by the province; ask them to enroll it again."),
    (e.EnrollmentCodeUnknown, "登记码无效，请核对后重试。", "Unknown enrollment code; check it and try again."),
    (e.EnrollmentCodeExpired, "登记码已过期，请向省里申请新的登记码。", "The enrollment code has expired; ask the province for a new one."),
    (e.EnrollmentCodeUsed, "登记码已被使用过，请向省里申请新的登记码。", "The enrollment code was already used; ask for a new one."),
    (e.OrgUnitForbidden, "只能上报本单位（本区划/园区）的记录。", "A device may only send records of its own org unit."),
    (e.UntrustedProvinceKey, "省里的签名密钥不受信任，已停止同步（可能被冒充）。", "The province's signing key is not trusted; sync stopped (possible impostor)."),
    (e.InvalidReply, "省级端点的答复无法验证，已停止同步；数据未丢失，稍后再试。", "The province's reply did not verify; sync stopped, no data lost. Try later."),
    (e.TransportError, "无法连接省级端点（网络不通？），数据已保存在本机，联网后再同步。", "Cannot reach the province (offline?); data is kept here, sync again when online."),
    (e.KeyAlreadyEnrolled, "省里已登记过本设备的密钥（可能是此前一次没有完成的登记），不能再用它登记。"
     "请改用新的设备密钥重新登记：命令行 anhui-collect enroll --new-key，或在“同步”页点“用新密钥重新登记”。",
     "The province already holds this device's key (perhaps from an earlier enrollment that did not "
     "finish), so it cannot enroll with it again. Enroll with a new device key: "
     "'anhui-collect enroll --new-key', or 'Enroll with a new key' on the Sync page."),
    (e.Unauthorized, "省里不认识本设备的密钥，请重新登记。", "The province does not know this device's key; enroll again."),
    (e.AttachmentHashMismatch, "附件上传后省里核对不符（内容与哈希不一致），已被省里丢弃。请运行 check 检查本机数据，再重新同步。",
     "The province found an uploaded attachment does not match its hash and dropped it. Run 'check', then sync again."),
    (e.TooManyUploads, "省里保存着本设备太多未传完的附件，暂不接收新的附件。请联系省里清理后再同步。",
     "The province holds too many unfinished attachment uploads from this device. Ask the province to clear them, then sync again."),
    # The province's own wording is for its operators: a clerk gets the code to pass on.
    (e.ProtocolError, "省级端点拒绝了请求（代码 {code}）。请稍后再试；仍不行请把代码告诉省里。",
     "The province refused the request (code {code}). Try again later; if it persists, tell the province the code."),
    (e.SyncError, "同步没有完成（{kind}），数据已保存在本机，请稍后再试。",
     "The sync did not finish ({kind}); the data is kept here. Try again later."),
]
CODE_GROUPS = 4
CODE_LENGTH = 16


class SyncFailed(OfficeError):
    def __init__(self, exc: Exception) -> None:
        words = {"code": getattr(exc, "code", "") or "-", "kind": type(exc).__name__}
        for cls, zh, en in MESSAGES:
            if isinstance(exc, cls):
                super().__init__(zh.format(**words), en.format(**words))
                break
        else:
            super().__init__(MESSAGES[-1][1].format(**words), MESSAGES[-1][2].format(**words))
        self.cause = exc


def clean_enrollment_code(text: str) -> str:
    """The code as the province issues it (``XXXX-XXXX-XXXX-XXXX``) from the code as typed.

    Codes are read out on the phone and typed with a Chinese input method on: full-width
    letters and dashes, spaces, lower case and a stray dash of any kind are all forgiven.
    A code of the wrong length is refused here, before anything is sent.
    """
    folded = unicodedata.normalize("NFKC", str(text)).upper()
    raw = "".join(ch for ch in folded if ch.isalnum())
    if len(raw) != CODE_LENGTH or not raw.isascii():
        raise OfficeError(
            f"登记码应为 {CODE_LENGTH} 个字母或数字（形如 ABCD-EFGH-JKMN-PQRS），请核对后重新输入。",
            f"An enrollment code is {CODE_LENGTH} letters and digits (like ABCD-EFGH-JKMN-PQRS); check it and type it again.",
        )
    size = CODE_LENGTH // CODE_GROUPS
    return "-".join(raw[i:i + size] for i in range(0, CODE_LENGTH, size))


def _options(ca_bundle: str | None) -> TransportOptions:
    return TransportOptions(ca_bundle=ca_bundle)


def enroll_office(office: Office, endpoint: str, code: str, *, ca_bundle: str | None = None,
                  province_key_id: str | None = None, new_key: bool = False) -> str:
    """Register this office's device key with a one-time code; return the device id.

    The request declares this office's org unit, so the province refuses a code meant for
    another office without using it up. ``new_key`` starts afresh with a new device key
    (``start_afresh``), for an office whose key the province already holds.
    """
    office.require_admin("登记设备", "enroll the device")
    with sync_lock(office.paths.root):
        code = clean_enrollment_code(code)
        current = enrollment(office)
        if current is not None and not new_key:
            raise OfficeError(f"本设备已登记，设备编号 {current.device_id}。",
                              f"This device is already enrolled as {current.device_id}.")
        key = start_afresh(office) if new_key else device_key(office)
        try:
            result = enroll(endpoint, code, key, org_unit=office.org_unit, label=office.office_name,
                            options=_options(ca_bundle), expected_province_key_id=province_key_id)
        except e.EnrollmentOrgUnitMismatch as exc:
            raise _wrong_org_unit(exc.code_org_unit, office.org_unit) from exc
        except e.SyncError as exc:
            raise SyncFailed(exc) from exc
        except EndpointAddressError as exc:
            raise _unusable_address(endpoint, exc.plain_http) from exc
        save_enrollment(office, device_id=result.device_id, endpoint=endpoint, ca_bundle=ca_bundle,
                        enrolled_at=result.enrolled_at, reply=result.reply,
                        province_key=result.province_public_key)
    return result.device_id


def _unusable_address(endpoint: str, plain_http: bool) -> OfficeError:
    shown = endpoint[:200]
    if plain_http:
        return OfficeError(
            f"省级端点地址“{shown}”用的是不加密的 http://：数据和登记码会以明文经过网络，只有连本机测试时才允许。"
            "请改用省里提供的 https:// 地址。",
            f"The province's address '{shown}' is plain http://, which would send the data and the code unencrypted; "
            "it is allowed only to this computer, for tests. Use the https:// address the province gave you.",
        )
    return OfficeError(
        f"“{shown}”不是有效的省级端点地址：应为 https:// 开头的网址，如 https://sync.example.gov.cn。",
        f"'{shown}' is not a usable address for the province: it must be an https:// URL, e.g. https://sync.example.gov.cn.",
    )


def _wrong_org_unit(code_unit: str, own_unit: str) -> OfficeError:
    def named(code: str) -> str:
        unit = load_registry().org_unit(code)
        return f"{code}（{unit.name}）" if unit else code

    return OfficeError(
        f"这个登记码是发给 {named(code_unit)} 的，而本办公室是 {named(own_unit)}。登记码没有被使用，"
        "本设备也未登记；请向省里索取本单位的登记码后再登记。",
        f"This enrollment code is for org unit {code_unit}, but this office is {own_unit}. The code "
        "was not used and this device is not enrolled; ask the province for a code for this office.",
    )


def sync_office(office: Office, *, progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None, pull: bool = True) -> SyncSummary:
    """Queue every final record, send the outbox, keep the receipts, pull updates."""
    with sync_lock(office.paths.root):
        enrolled = enrollment(office)
        if enrolled is None:
            raise OfficeError("本设备尚未登记，请先用省里发的登记码登记。", "This device is not enrolled yet; enroll it with the province's code first.")
        outbox = OfficeOutbox(office)
        outbox.enqueue_final()
        trust = ProvinceTrust(outbox.province_keys())
        try:
            with ProvinceClient(enrolled.endpoint, trust, options=_options(enrolled.ca_bundle),
                                cancel=cancel, on_new_province_keys=outbox.trust_province_keys) as client:
                return run_sync(client, outbox, progress=progress, cancel=cancel, pull=pull)
        except NotEnrolled as exc:
            raise OfficeError("本设备尚未登记。", "This device is not enrolled.") from exc
        except e.SyncError as exc:
            raise SyncFailed(exc) from exc
