"""``enroll`` and ``sync``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from desktop.cli.common import common_options, lang, open_office, say, tr
from desktop.vocabulary import SYNC_STEPS, word

if TYPE_CHECKING:
    from sync.runner import SyncProgress


def register(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    p = sub.add_parser("enroll", parents=[common], help=tr("在省级端点登记本办公室的设备", "register this office's device with the province"))
    p.add_argument("--endpoint", required=True, help=tr("省级端点的网址，如 https://sync.example.gov.cn", "the province's URL, e.g. https://sync.example.gov.cn"))
    p.add_argument("--code", required=True, help=tr("省里发放的一次性登记码", "the one-time enrollment code from the province"))
    p.add_argument("--ca-bundle", help=tr("签发省级端点证书的 CA 证书（PEM 文件）", "PEM file of the CA that signed the province's certificate"))
    p.add_argument("--province-key-id", help=tr("省里告知的省级公钥编号（建议填写）", "the province key id the operator gave you (recommended)"))
    p.add_argument("--new-key", action="store_true",
                   help=tr("换用新的设备密钥重新登记（省里已登记过本设备时）",
                           "start afresh with a new device key (when the province already holds this one)"))
    p.set_defaults(handler=cmd_enroll)
    p = sub.add_parser("sync", parents=[common], help=tr("发送已定稿的记录，保存回执，获取更新", "send final records, keep receipts, pull updates"))
    p.add_argument("--no-pull", action="store_true", help=tr("只发送，不获取更新", "send only"))
    p.set_defaults(handler=cmd_sync)


def cmd_enroll(args: argparse.Namespace) -> int:
    with open_office(args) as office:
        from desktop.services.sync_office import enroll_office  # HTTP is loaded only to sync

        device_id = enroll_office(office, args.endpoint, args.code, ca_bundle=args.ca_bundle,
                                  province_key_id=args.province_key_id, new_key=args.new_key)
    say(f"登记成功，设备编号 {device_id}。", f"Enrolled; device id {device_id}.")
    return 0


def _show(progress: SyncProgress) -> None:
    step = word(SYNC_STEPS, progress.step, lang())
    bar = ""
    if progress.total:
        filled = int(30 * progress.done / progress.total)
        bar = f"[{'#' * filled}{'.' * (30 - filled)}] {progress.done}/{progress.total} "
    end = "\n" if progress.step == "done" or not sys.stderr.isatty() else "\r"
    print(f"{bar}{step}".ljust(70), end=end, file=sys.stderr, flush=True)


def cmd_sync(args: argparse.Namespace) -> int:
    with open_office(args) as office:
        from desktop.services.sync_office import sync_office

        summary = sync_office(office, progress=_show, pull=not args.no_pull)
    say(
        f"同步完成：发送 {summary.sent}，接收 {summary.accepted}，拒收 {summary.rejected}，"
        f"退回 {summary.returned}，获取更新 {summary.pulled}。",
        f"Sync done: sent {summary.sent}, accepted {summary.accepted}, rejected {summary.rejected}, "
        f"returned {summary.returned}, updates pulled {summary.pulled}.",
    )
    if summary.attachments:
        say(f"  已上传附件 {summary.attachments} 个。", f"  Attachments uploaded: {summary.attachments}.")
    for version_id, code in summary.rejections:
        say(f"  拒收版本 {version_id}：{code}", f"  rejected version {version_id}: {code}")
    return 0
