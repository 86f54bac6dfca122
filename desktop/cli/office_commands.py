"""``init``, ``user add|passwd|disable|list`` and ``check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.common import (
    NEW_PASSPHRASE_ENV,
    RECOVERY_KEY_ENV,
    common_options,
    data_dir,
    lang,
    open_office,
    print_json,
    read_passphrase,
    say,
    tr,
)
from desktop.errors import InvalidInput
from desktop.store.office import ROLES, Office
from desktop.vocabulary import ROLES as ROLE_WORDS
from desktop.vocabulary import word
from sync.fsutil import write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    p = sub.add_parser("init", parents=[common], help=tr("创建本办公室的加密数据库", "create this office's encrypted store"))
    p.add_argument("--org-unit", required=True, help=tr("区划或园区代码，如 340104", "division or park code, e.g. 340104"))
    p.add_argument("--office-name", required=True, help=tr("办公室名称，如 蜀山区科技局", "the office's name"))
    p.add_argument("--recovery-key-file", type=Path, help=tr("同时把恢复密钥保存到这个文件", "also save the recovery key to this file"))
    p.set_defaults(handler=cmd_init)

    users = sub.add_parser("user", help=tr("管理用户", "manage users")).add_subparsers(dest="user_command", metavar=tr("操作", "ACTION"))
    p = users.add_parser("add", parents=[common], help=tr("添加用户（仅管理员）", "add a user (admins only)"))
    p.add_argument("name", help=tr("新用户的用户名", "the new user's name"))
    p.add_argument("--role", required=True, choices=ROLES, help=tr("角色：admin（管理员）或 clerk（填报员）", "admin or clerk"))
    p.set_defaults(handler=cmd_user_add)
    p = users.add_parser("passwd", parents=[common], help=tr("修改用户口令（停用的用户由此重新启用）", "change a user's passphrase (enables a disabled user)"))
    p.add_argument("name", help=tr("要修改口令的用户", "whose passphrase"))
    p.add_argument("--recovery", action="store_true", help=tr("忘记口令时：用恢复密钥代替口令解锁", "unlock with the recovery key instead of a passphrase"))
    p.set_defaults(handler=cmd_user_passwd)
    p = users.add_parser("disable", parents=[common], help=tr("停用用户，不再能登录（仅管理员；用 passwd 重新启用）", "stop a user signing in (admins only; 'passwd' enables again)"))
    p.add_argument("name", help=tr("要停用的用户", "whom to disable"))
    p.set_defaults(handler=cmd_user_disable)
    p = users.add_parser("list", parents=[common], help=tr("列出用户", "list users"))
    p.add_argument("--json", action="store_true", help=tr("以 JSON 输出", "print JSON"))
    p.set_defaults(handler=cmd_user_list)

    p = sub.add_parser("check", parents=[common], help=tr("检查密钥文件、加密页、历史链和记录", "verify the key file, encryption pages, history chain and records"))
    p.add_argument("--recovery-key", action="store_true",
                   help=tr(f"同时用恢复密钥验证恢复槽（终端中询问，或读取环境变量 {RECOVERY_KEY_ENV}）",
                           f"also unlock the recovery slot with the recovery key (asked for, or ${RECOVERY_KEY_ENV})"))
    p.add_argument("--repair", action="store_true", help=tr("用完好的密钥槽重写 keyslots.json", "rewrite keyslots.json from its intact slots"))
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("recovery-key", parents=[common], help=tr("生成新的恢复密钥（仅管理员），旧的随即失效", "make a new recovery key (admins); the old one stops working"))
    p.add_argument("--recovery-key-file", type=Path, help=tr("同时把新的恢复密钥保存到这个文件", "also save the new recovery key to this file"))
    p.set_defaults(handler=cmd_recovery_key)


def cmd_init(args: argparse.Namespace) -> int:
    if not args.user:
        raise InvalidInput("请用 --user 指定第一位管理员的用户名。", "Name the first admin with --user.")
    from forms.registry import load_registry

    unit = load_registry().org_unit(args.org_unit)
    if unit is None:
        raise InvalidInput(
            f"“{args.org_unit}”不是安徽省的区划或园区代码（如 340104 蜀山区）。",
            f"'{args.org_unit}' is not an Anhui division or park code (e.g. 340104).",
        )
    passphrase = read_passphrase("新口令 / new passphrase: ", confirm=True)
    office, recovery = Office.create(
        data_dir(args), org_unit=args.org_unit, office_name=args.office_name, admin=args.user, passphrase=passphrase
    )
    office.close()
    if args.recovery_key_file:
        write_atomic(args.recovery_key_file, (recovery + "\n").encode("ascii"))
    say(
        f"已创建办公室数据库：{office.paths.database}\n\n恢复密钥（只显示这一次，请抄下或打印后妥善保管）：\n\n    {recovery}\n",
        f"Created the office store: {office.paths.database}\n\nRecovery key (shown only this once; write it down or print it and keep it safe):\n\n    {recovery}\n",
    )
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    with open_office(args) as office:
        office.require_admin("添加用户", "add users")
        new = read_passphrase(f"{args.name} 的口令 / passphrase for {args.name}: ", NEW_PASSPHRASE_ENV, confirm=True)
        office.add_user(args.name, args.role, new)
    say(f"已添加用户 {args.name}（{args.role}）。", f"Added user {args.name} ({args.role}).")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    if args.recovery:
        key = read_passphrase("恢复密钥 / recovery key: ", RECOVERY_KEY_ENV)
        office = Office.unlock_with_recovery(data_dir(args), key, args.name)
    else:
        office = open_office(args)
    with office:
        new = read_passphrase("新口令 / new passphrase: ", NEW_PASSPHRASE_ENV, confirm=True)
        enabled = office.change_passphrase(args.name, new)
    say(f"已修改 {args.name} 的口令。" + ("该用户此前已停用，现已重新启用。" if enabled else ""),
        f"Changed the passphrase of {args.name}." + (" They were disabled and are enabled again." if enabled else ""))
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    with open_office(args) as office:
        office.disable_user(args.name)
    say(f"已停用用户 {args.name}：其录入的数据保留；用 user passwd 设置新口令可重新启用。",
        f"Disabled {args.name}: what they entered stays; 'user passwd' with a new passphrase enables them again.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with open_office(args) as office:
        users = office.users()
    if args.json:
        print_json(users)
    else:
        for u in users:
            state = "" if u["active"] else ("（已停用）" if lang() == "zh" else " (disabled)")
            print(f"{u['name']}{state}\t{word(ROLE_WORDS, u['role'], lang())}\t{u['created_at']}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from desktop.store.integrity import check_store  # reads every page: not for the other commands

    passphrase = read_passphrase("口令 / passphrase: ")
    recovery = read_passphrase("恢复密钥 / recovery key: ", RECOVERY_KEY_ENV) if args.recovery_key else None
    report = check_store(data_dir(args), args.user, passphrase, recovery_key=recovery, repair=args.repair)
    for zh, en in report.notes:
        print(zh if lang() == "zh" else en, file=sys.stderr)
    if report.ok:
        c = report.counts
        recovery_zh, recovery_en = ("，恢复密钥已验证" , ", recovery key verified") if recovery else ("", "")
        say(
            f"检查通过：密钥文件完好（{c.get('key_slots', 0)} 个密钥槽{recovery_zh}），{c.get('records', 0)} 条记录，"
            f"{c.get('versions', 0)} 个版本，{c.get('history', 0)} 条历史，{c.get('attachments', 0)} 个附件，加密页全部完好。",
            f"Check passed: key file intact ({c.get('key_slots', 0)} key slots{recovery_en}), {c.get('records', 0)} records, "
            f"{c.get('versions', 0)} versions, {c.get('history', 0)} history entries, {c.get('attachments', 0)} attachments, "
            "all encrypted pages intact.",
        )
        return 0
    for zh, en in report.problems:
        print(zh if lang() == "zh" else en, file=sys.stderr)
    return 3


def cmd_recovery_key(args: argparse.Namespace) -> int:
    with open_office(args) as office:
        recovery = office.new_recovery_key()
    if args.recovery_key_file:
        write_atomic(args.recovery_key_file, (recovery + "\n").encode("ascii"))
    say(
        f"新的恢复密钥（只显示这一次，旧的恢复密钥已不能用；请抄下或打印后妥善保管）：\n\n    {recovery}\n",
        f"New recovery key (shown only this once; the old one no longer works; write it down or print it and keep it safe):\n\n    {recovery}\n",
    )
    return 0
