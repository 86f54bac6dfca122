"""``anhui-province``: serve the provincial endpoint and administer it.

Every command takes ``--data-dir`` (env ``ANHUI_PROVINCE_HOME``; holds the signing key and
the default SQLite database) and ``--database-url`` (env ``ANHUI_PROVINCE_DATABASE_URL``;
``postgresql://...`` for production). See ``docs/province.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from forms.text import aligned, column_widths
from province.context import DEFAULT_MAX_BATCH_VERSIONS, Province, Settings
from province.limits import Limits, parse_limit
from sync.chinese_argparse import ChineseArgumentParser
from sync.errors import NotFound, ProtocolError
from sync.keys import public_key_to_pem

# What ``publish`` publishes, as its lines name it.
_KINDS = {"form": "表单", "reference": "参考数据", "reference_csv": "参考数据"}


def _print_table(rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]],
                 right: Sequence[str] = ()) -> None:
    """``rows`` under the Chinese headers of ``columns`` (key, header), aligned by display
    width (a Chinese character takes two columns); keys in ``right`` are right-aligned."""
    if not rows:
        print("（无）")
        return
    cells = [[str(r.get(key)) if r.get(key) is not None else "-" for key, _ in columns] for r in rows]
    heads = [head for _, head in columns]
    for line in aligned([heads, *cells], [key in right for key, _ in columns]):
        print(line)


def _open(args: argparse.Namespace) -> Province:
    return Province.open(Settings.make(args.data_dir, args.database_url))


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from province.server import BACKLOG, MAX_HEAD_BYTES, PROTOCOL, raise_open_file_limit

    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert 和 --tls-key 须同时给出")
    limits = dataclasses.replace(Limits.from_env(), **{
        f.name: getattr(args, f.name) for f in dataclasses.fields(Limits)
        if getattr(args, f.name) is not None})
    settings = Settings.make(args.data_dir, args.database_url,
                             max_batch_versions=args.max_batch_versions, limits=limits)
    # Open once here so migrations and key creation happen before any worker starts, and so
    # a misconfiguration is reported plainly instead of from inside a worker.
    Province.open(settings).close()
    os.environ["ANHUI_PROVINCE_HOME"] = str(settings.data_dir)
    os.environ["ANHUI_PROVINCE_DATABASE_URL"] = settings.database_url
    os.environ["ANHUI_PROVINCE_MAX_BATCH_VERSIONS"] = str(settings.max_batch_versions)
    os.environ.update(limits.to_env())
    # Each connection holds a descriptor: leave room for max_connections and the database.
    raise_open_file_limit(limits.max_connections + 4 * BACKLOG + 256)
    tls = {}
    if args.tls_cert:
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    uvicorn.run("province.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level, http=PROTOCOL,
                h11_max_incomplete_event_size=MAX_HEAD_BYTES,
                timeout_keep_alive=5, backlog=BACKLOG, **tls)  # type: ignore[arg-type]
    return 0


def cmd_enroll_code(args: argparse.Namespace) -> int:
    from province.enrollment import issue_code

    province = _open(args)
    code, expires = issue_code(province, args.org_unit.strip(), args.expires_hours)
    from province.actions import record

    province.db.run(lambda tx: record(tx, _actor(), "code.issue", args.org_unit, "",
                                      {"expires_at": expires}))
    if args.json:
        print(json.dumps({"code": code, "org_unit": args.org_unit, "expires_at": expires,
                          "province_key_id": province.key_id}))
    else:
        print(f"登记码：          {code}")
        print(f"单位代码：        {args.org_unit}")
        print(f"有效期至（UTC）： {expires}")
        print(f"省级公钥编号：    {province.key_id}")
        print("请把登记码交给该办公室，只能使用一次。办公室可凭省级公钥编号确认连接的确实是本省端点。")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from province.admin import list_devices
    from province.enrollment import revoke_device

    province = _open(args)
    if args.devices_command == "revoke":
        try:
            when = revoke_device(province, args.device_id, args.reason or "")
        except NotFound:
            print(f"错误：没有编号为 {args.device_id} 的设备（anhui-province devices list 列出所有设备）。",
                  file=sys.stderr)
            return 1
        from province.actions import record

        province.db.run(lambda tx: record(tx, _actor(), "device.revoke", args.device_id,
                                          args.reason or "", {}))
        print(f"设备 {args.device_id} 已于 {when}（UTC）吊销。")
        return 0
    rows = list_devices(province)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(rows, (("device_id", "设备编号"), ("org_unit", "单位代码"), ("label", "办公室"),
                            ("enrolled_at", "登记时间（UTC）"), ("revoked_at", "吊销时间（UTC）"),
                            ("next_sequence", "下一批次序号"), ("batches", "批次（个）")),
                     right=("next_sequence", "batches"))
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    from province.admin import list_batches, rejections

    province = _open(args)
    if args.batches_command == "show":
        rejected = rejections(province, args.batch_id)
        if rejected is None:
            print(f"错误：没有编号为 {args.batch_id} 的批次（anhui-province batches list 列出所有批次）。",
                  file=sys.stderr)
            return 1
        print(json.dumps(rejected, ensure_ascii=False, indent=1))
        return 0
    rows = list_batches(province, args.device)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(rows, (("log_index", "日志序号"), ("batch_id", "批次编号"), ("device_id", "设备编号"),
                            ("sequence", "批次序号"), ("received_at", "接收时间（UTC）"),
                            ("accepted", "接收（个版本）"), ("rejected", "拒收（个版本）")),
                     right=("log_index", "sequence", "accepted", "rejected"))
    return 0


def cmd_records(args: argparse.Namespace) -> int:
    from province.admin import list_records
    from province.updates import return_record

    province = _open(args)
    if args.records_command == "return":
        try:
            update_id = return_record(province, args.record_id, args.reason, _actor())
        except NotFound:
            print(f"错误：没有编号为 {args.record_id} 的记录（anhui-province records list 列出所有记录）。",
                  file=sys.stderr)
            return 1
        print(f"记录 {args.record_id} 已退回（更新 {update_id}），办公室下次同步时会看到。")
        return 0
    rows = list_records(province, args.org_unit, args.form)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        # The words the console shows: the form's name and the review state, not their codes.
        from province.console.i18n import TEXT

        registry = province.validator.registry()
        labels = {f.id: f.label_zh for f in registry.forms()}
        rows = [{**r, "form_id": labels.get(r["form_id"], r["form_id"]),
                 "state": TEXT.get(f"state.{r['state']}", (r["state"],))[0]} for r in rows]
        _print_table(rows, (("record_id", "记录编号"), ("org_unit", "单位代码"), ("form_id", "表单"),
                            ("form_version", "表单版本"), ("state", "状态"), ("versions", "版本（个）"),
                            ("received_at", "接收时间（UTC）")),
                     right=("form_version", "versions"))
    return 0


def cmd_attachments(args: argparse.Namespace) -> int:
    from province.attachments import list_uploads, prune_uploads
    from province.clock import format_time

    province = _open(args)
    if args.attachments_command == "prune":
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=args.older_than_days)
        dropped = prune_uploads(province, format_time(cutoff))
        print(f"已删除 {dropped} 个 {args.older_than_days} 天前开始、至今未传完的上传。")
        return 0
    if args.attachments_command == "extract":
        return _extract_attachment(province, args.sha256.strip().lower(), Path(args.to))
    rows = list_uploads(province, args.device)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(rows, (("sha256", "SHA-256"), ("device_id", "设备编号"), ("media_type", "类型"),
                            ("size", "大小（字节）"), ("received", "已收（字节）"), ("completed_at", "传完时间（UTC）")),
                     right=("size", "received"))
    return 0


def _extract_attachment(province: Province, text: str, target: Path) -> int:
    # A unique prefix of 8 or more digits will do, as in the office's record extract.
    from province.attachments import complete_file
    from sync.fsutil import write_atomic

    hits: list[str] = []
    if 8 <= len(text) <= 64 and all(c in "0123456789abcdef" for c in text):
        hits = [r[0] for r in province.db.run(lambda tx: tx.rows(
            "SELECT DISTINCT sha256 FROM attachment_uploads WHERE completed_at IS NOT NULL AND sha256 LIKE ?",
            [text + "%"]), write=False)]
    if len(hits) > 1:
        print(f"有多个完整上传的哈希以 {text} 开头，请多写几位。", file=sys.stderr)
        return 1
    found = province.db.run(lambda tx: complete_file(tx, hits[0]), write=False) if hits else None
    if found is None:
        print(f"没有哈希为 {text[:64]} 的完整上传（attachments list 列出全部上传）。", file=sys.stderr)
        return 1
    if target.exists():
        print(f"{target} 已存在，请换一个文件名。", file=sys.stderr)
        return 1
    try:
        # Beside the target and renamed when whole: a half-written file never has its name.
        write_atomic(target, found[0])
    except OSError as exc:
        why = ("没有写入权限" if isinstance(exc, PermissionError)
               else "路径中有一段是文件而不是文件夹" if isinstance(exc, (NotADirectoryError, FileExistsError))
               else exc.strerror or "磁盘或路径有误")
        print(f"无法写入 {target}：{why}。", file=sys.stderr)
        return 1
    print(f"已写出 {target}（{len(found[0]):,} 字节，{found[1]}），SHA-256 已核对。")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from province.updates import PublishError, collect, publish

    province = _open(args)
    try:
        results = publish(province, collect([Path(p) for p in args.paths]))
    except PublishError as exc:
        print(f"未发布任何内容：{exc}", file=sys.stderr)
        return 1
    for item, update_id in results:
        what = f"{_KINDS.get(item.kind, item.kind)} {item.name} 第 {item.version} 版"
        print(f"{what}：" + (f"已发布为更新 {update_id}" if update_id else "未改变，不再发布"))
    return 0


def cmd_period(args: argparse.Namespace) -> int:
    from province.periods import PeriodError, periods, set_period

    province = _open(args)
    if args.period_command == "list":
        rows = [p.to_json() for p in periods(province)]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            labels = {f.id: f.label_zh for f in province.validator.registry().forms()}
            rows = [{**r, "form_id": labels.get(r["form_id"], r["form_id"]),
                     "state": {"open": "开放", "closed": "已关闭"}.get(r["state"], r["state"])} for r in rows]
            _print_table(rows, (("form_id", "表单"), ("year", "年度"), ("state", "状态"), ("due", "截止日"),
                                ("update_id", "更新编号"), ("published_at", "发布时间（UTC）")),
                         right=("year", "update_id"))
        return 0
    try:
        update_id = set_period(province, args.form, args.year, "open" if args.period_command == "open" else "closed",
                               due=getattr(args, "due", None), actor=_actor())
    except PeriodError as exc:
        print(f"未发布任何内容：{exc}", file=sys.stderr)
        return 1
    state = "开放" if args.period_command == "open" else "关闭"
    if update_id is None:
        print(f"{args.form} 的 {args.year} 年度填报期已经是{state}状态，未发布任何内容。")
    else:
        print(f"{args.form} 的 {args.year} 年度填报期已{state}（更新 {update_id}），各办公室下次同步时会看到。")
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为“年-月-日”（YYYY-MM-DD），而不是 {text[:40]!r}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from province.admin import export

    province = _open(args)
    hashes = export(province, Path(args.out))
    print(f"已导出 {len(hashes)} 个文件到 {args.out}（清单由省级密钥签名）。")
    return 0


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        # getpass would read an empty password or fail on a closed input: say what to do.
        raise accounts_error("没有终端可以询问密码：请在终端中运行，或用 --password-stdin 从标准输入给出密码")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次："):
        raise accounts_error("两次输入的密码不一致")
    return first


def accounts_error(message: str) -> Exception:
    from province.console.accounts import AccountError

    return AccountError(message)


def cmd_user(args: argparse.Namespace) -> int:
    from province.console import accounts

    province = _open(args)
    db, command = province.db, args.user_command
    try:
        if command == "list":
            rows = accounts.list_users(db)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            else:
                _print_table(rows, (("username", "用户名"), ("role", "角色"), ("created_at", "创建时间（UTC）"),
                                    ("disabled_at", "停用时间（UTC）"), ("locked_until", "锁定至（UTC）"),
                                    ("last_login_at", "上次登录（UTC）")))
        elif command == "add":
            accounts.add_user(db, args.username, args.role, _read_password(args), _actor())
            print(f"已添加用户 {args.username}（{args.role}）。")
        elif command == "reset":
            if not any(u["username"] == args.username for u in accounts.list_users(db)):
                raise accounts.AccountError(f"没有用户 {args.username}")
            accounts.reset_password(db, args.username, _read_password(args), _actor(),
                                    role=args.role)
            print(f"已重设 {args.username} 的密码，其已登录的会话均已结束。")
        else:
            accounts.set_disabled(db, args.username, command == "disable", _actor(),
                                  args.reason)
            print(f"已{'停用' if command == 'disable' else '启用'}用户 {args.username}。")
    except accounts.AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


def _reporting_year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"应为年份，如 2025（而不是 {text[:20]!r}）")
    return int(text)


def cmd_progress(args: argparse.Namespace) -> int:
    import datetime as dt

    from province.progress import compute

    province = _open(args)
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"错误：--as-of 应为“年-月-日”（YYYY-MM-DD），而不是 {args.as_of!r}", file=sys.stderr)
        return 2
    day = as_of or dt.datetime.now(dt.UTC).date()
    if not 2001 <= day.year <= 2100:
        print(f"错误：--as-of {day.isoformat()} 不在 2001 至 2100 年之间", file=sys.stderr)
        return 2
    # Revenue is reported for years that have ended by the counting day.
    if args.year is not None and args.year >= day.year:
        print(f"错误：统计年度 {args.year} 年截至 {day.isoformat()} 尚未结束，应为 {day.year - 1} 年或更早",
              file=sys.stderr)
        return 2
    body = compute(province, as_of, args.year)
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=1))
        return 0
    print(progress_table(body, args.lang), end="")
    return 0


def progress_table(body: dict[str, Any], lang: str = "zh") -> str:
    """The province-wide progress as a terminal table: each measure with its unit, the value
    now and the plan's milestones, aligned by display width."""
    zh = lang == "zh"
    years = sorted({m["year"] for t in body["targets"] for m in t["milestones"]})
    head = ["指标（单位）" if zh else "Measure (unit)", "当前" if zh else "Now",
            *[f"{y}年目标" if zh else f"{y} target" for y in years]]
    rows = [head]
    for t in body["targets"]:
        unit = t["unit_" + lang]
        label = t["label_" + lang] + ((f"（{unit}）" if zh else f" ({unit})") if unit else "")
        goals = {m["year"]: m["value"] for m in t["milestones"]}
        rows.append([label, _number(t["value"]), *[_number(goals[y]) if y in goals else "—" for y in years]])
    widths = column_widths(rows)
    lines = [("全省未来产业目标进展（截至 {d}，计入记录 {n} 条）" if zh else
              "Province-wide progress (as of {d}; {n} records counted)").format(d=body["as_of"], n=body["records_counted"])]
    table = aligned(rows, [False] + [True] * (len(head) - 1))
    lines += [table[0], "  ".join("-" * w for w in widths), *table[1:]]
    return "\n".join(lines) + "\n"


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from province.signing import rotate_key

    settings = Settings.make(args.data_dir, args.database_url)
    province = Province.open(settings)
    old, new = rotate_key(settings.data_dir, province.db)
    print(f"省级密钥已更换：{old} -> {new}")
    print("运行中的服务从下一个请求起用新密钥签名；各办公室核验这次更换（由旧密钥签名）后自动信任新密钥。")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    province = _open(args)
    if args.pem:
        # The public half only: what an auditor pins with verify-export --province-key.
        sys.stdout.write(public_key_to_pem(province.signer.key()).decode("ascii"))
    else:
        print(province.key_id)
    return 0


def _bounded(kind: Callable[[str], Any], low: float, high: float, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} 应为数字，而不是 {text[:40]!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{what} 应在 {low:g} 到 {high:g} 之间")
        return value

    return parse


def _text(max_len: int) -> Callable[[str], str]:
    """An argument of text: bytes the terminal could not decode are refused, not stored."""

    def parse(text: str) -> str:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise argparse.ArgumentTypeError("含有终端无法识别的字符（请使用 UTF-8 编码的终端）") from None
        if len(text) > max_len:
            raise argparse.ArgumentTypeError(f"最多 {max_len} 个字符")
        return text

    return parse


def _limit_option(name: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return parse_limit(name, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="anhui-province",
                                   description="安徽省未来产业数据采集的省级端点：各办公室向它同步，省里的工作人员在这里管理。")
    parser.add_argument("--data-dir", default=None,
                        help="省级签名密钥和默认数据库所在的文件夹（环境变量 ANHUI_PROVINCE_HOME）")
    parser.add_argument("--database-url", default=None,
                        help="postgresql://用户@主机/数据库，或 SQLite 文件路径"
                             "（环境变量 ANHUI_PROVINCE_DATABASE_URL；默认 <data-dir>/province.sqlite3）")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    json_help = "以 JSON 输出"

    p = sub.add_parser("serve", help="运行 HTTP 服务（同步端点和工作人员网页控制台）")
    p.add_argument("--host", default="127.0.0.1", help="监听的地址（默认 127.0.0.1，只接受本机连接）")
    p.add_argument("--port", type=_bounded(int, 0, 65535, "--port"), default=8750, help="监听的端口（默认 8750）")
    p.add_argument("--workers", type=_bounded(int, 1, 256, "--workers"), default=1,
                   help="共用同一数据库的服务进程数（默认 1）")
    p.add_argument("--tls-cert", help="PEM 证书链（以 https 提供服务）")
    p.add_argument("--tls-key", help="该证书的 PEM 私钥")
    p.add_argument("--max-batch-versions", type=_bounded(int, 1, 100_000, "--max-batch-versions"),
                   default=DEFAULT_MAX_BATCH_VERSIONS,
                   help=f"一个批次最多可含的版本数（默认 {DEFAULT_MAX_BATCH_VERSIONS}）")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug", "trace"],
                   help="日志详细程度（默认 info）")
    limits = p.add_argument_group("请求限制（也可用环境变量 ANHUI_PROVINCE_<名称> 设置）")
    for f in dataclasses.fields(Limits):
        limits.add_argument("--" + f.name.replace("_", "-"), type=_limit_option(f.name),
                            default=None, metavar="N",
                            help=f"{f.metadata['help']}（默认 {f.default}）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("enroll-code", help="为一个单位签发一次性登记码")
    p.add_argument("--org-unit", required=True, type=_text(32),
                   help="区划表中的 6 位单位代码，如 340104")
    p.add_argument("--expires-hours", default=72.0,
                   type=_bounded(float, 1 / 60, 720, "--expires-hours"),
                   help="登记码可用的小时数（默认 72，最多 720）")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=cmd_enroll_code)

    p = sub.add_parser("devices", help="列出或吊销设备")
    dsub = p.add_subparsers(dest="devices_command", required=True, metavar="操作")
    q = dsub.add_parser("list", help="列出已登记的设备")
    q.add_argument("--json", action="store_true", help=json_help)
    q = dsub.add_parser("revoke", help="吊销一台设备（如电脑丢失）：它不能再同步")
    q.add_argument("device_id", type=_text(128), help="设备编号")
    q.add_argument("--reason", default="", type=_text(500), help="吊销原因（最多 500 字）")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("batches", help="查看收到的批次")
    bsub = p.add_subparsers(dest="batches_command", required=True, metavar="操作")
    q = bsub.add_parser("list", help="列出收到的批次")
    q.add_argument("--device", type=_text(128), help="只列出这台设备的批次")
    q.add_argument("--json", action="store_true", help=json_help)
    q = bsub.add_parser("show", help="一个批次中被拒收的版本及原因")
    q.add_argument("batch_id", type=_text(128), help="批次编号")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("records", help="查看和退回记录")
    rsub = p.add_subparsers(dest="records_command", required=True, metavar="操作")
    q = rsub.add_parser("list", help="列出收到的记录")
    q.add_argument("--org-unit", type=_text(128), help="只列出这个单位的记录")
    q.add_argument("--form", type=_text(128), help="只列出这个表单的记录")
    q.add_argument("--json", action="store_true", help=json_help)
    q = rsub.add_parser("return", help="把记录退回办公室修改")
    q.add_argument("record_id", type=_text(128), help="记录编号")
    q.add_argument("--reason", required=True, type=_text(4000),
                   help="退回原因，办公室会看到（最多 4000 字）")
    p.set_defaults(func=cmd_records)

    p = sub.add_parser("attachments", help="各办公室上传的附件（证明材料）")
    asub = p.add_subparsers(dest="attachments_command", required=True, metavar="操作")
    q = asub.add_parser("list", help="列出每次上传（完整的和未传完的）")
    q.add_argument("--device", type=_text(128), help="只列出这台设备的上传")
    q.add_argument("--json", action="store_true", help=json_help)
    q = asub.add_parser("extract", help="写出一个已完整上传的文件（写出前重新核对哈希）")
    q.add_argument("sha256", type=_text(64), help="文件的 SHA-256（写出前 8 位以上、不重复即可）")
    q.add_argument("--to", required=True, type=_text(4000), help="要写出的文件")
    q = asub.add_parser("prune", help="删除开始已久、至今未传完的上传（办公室再同步时会重新上传）")
    q.add_argument("--older-than-days", required=True, type=_bounded(int, 0, 3650, "天数"),
                   help="开始于多少天以前（0 表示所有未传完的）")
    p.set_defaults(func=cmd_attachments)

    p = sub.add_parser("publish", help="发布表单版本和参考数据（文件或文件夹）")
    p.add_argument("paths", nargs="+", metavar="路径", help="表单定义或参考数据文件，或含有它们的文件夹")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("period", help="开放和关闭年度表单的填报期")
    psub = p.add_subparsers(dest="period_command", required=True, metavar="操作")
    q = psub.add_parser("list", help="所有填报期及其状态")
    q.add_argument("--json", action="store_true", help=json_help)
    for name, text in (("open", "开放填报期（再次开放可修改截止日）"), ("close", "关闭填报期")):
        q = psub.add_parser(name, help=text)
        q.add_argument("form", type=_text(64), help="按年度填报的表单，如 annual_report")
        q.add_argument("year", type=_bounded(int, 2000, 2100, "年度"), help="所填报的年度")
        if name == "open":
            q.add_argument("--due", type=_day, metavar="YYYY-MM-DD", help="填报截止日")
    p.set_defaults(func=cmd_period)

    p = sub.add_parser("export", help="导出全部数据，附省级签名的清单")
    p.add_argument("--out", required=True, help="要新建的导出文件夹")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("user", help="网页控制台的工作人员账号")
    usub = p.add_subparsers(dest="user_command", required=True, metavar="操作")
    q = usub.add_parser("list", help="列出账号")
    q.add_argument("--json", action="store_true", help=json_help)
    q = usub.add_parser("add", help="创建账号（会询问密码）")
    q.add_argument("username", help="用户名")
    q.add_argument("--role", required=True, choices=("viewer", "reviewer", "admin"),
                   help="角色：viewer（查看）、reviewer（审核）或 admin（管理员）")
    q.add_argument("--password-stdin", action="store_true",
                   help="从标准输入的第一行读取密码")
    q = usub.add_parser("reset", help="设置新密码（同时解除锁定）")
    q.add_argument("username", help="用户名")
    q.add_argument("--role", choices=("viewer", "reviewer", "admin"), help="同时修改角色")
    q.add_argument("--password-stdin", action="store_true", help="从标准输入的第一行读取密码")
    for name, text in (("disable", "停用账号"), ("enable", "重新启用账号")):
        q = usub.add_parser(name, help=text)
        q.add_argument("username", help="用户名")
        q.add_argument("--reason", default="", help="原因（记入操作记录）")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("progress", help="全省距方案目标的进展")
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="表格的语言（默认 zh 中文）")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="统计截止日（默认今天，UTC）")
    p.add_argument("--year", type=_reporting_year, metavar="YYYY",
                   help="合计哪一年度的金额（默认 --as-of 的上一年）")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("rotate-key", help="更换省级签名密钥")
    p.set_defaults(func=cmd_rotate_key)

    p = sub.add_parser("key", help="显示当前省级公钥编号（或以 PEM 输出公钥）")
    p.add_argument("--pem", action="store_true",
                   help="以 PEM 输出公钥，供审计人员 verify-export --province-key 使用")
    p.set_defaults(func=cmd_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``anhui-province`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ProtocolError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
