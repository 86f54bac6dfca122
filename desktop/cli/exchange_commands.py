"""``export``, ``verify-export``, ``import`` and ``template``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.common import common_options, lang, open_office, pad, record_checker, say, tr
from desktop.errors import InvalidInput

if TYPE_CHECKING:
    from desktop.services.exchange.verify import VerifyReport

# The exchange services (openpyxl) are imported by the command that runs, not at start-up:
# every other command would pay for them.


def register(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    p = sub.add_parser("export", parents=[common], help=tr("写出带签名的审计导出", "write a signed audit export"))
    p.add_argument("--out", required=True, type=Path, help=tr("要新建的导出文件夹", "folder to create"))
    p.add_argument("--form", action="append", dest="forms", help=tr("只导出这个表单（可重复）", "only this form (repeatable)"))
    p.add_argument("--since", metavar="YYYY-MM-DD",
                   help=tr("只导出这一天及以后修改过的记录", "only records changed on or after this date"))
    p.set_defaults(handler=cmd_export)
    p = sub.add_parser("verify-export", help=tr("离线核验导出（不需要数据库和口令）", "check an export offline (no database, no passphrase)"))
    p.add_argument("folder", type=Path, help=tr("导出文件夹", "the export folder"))
    p.add_argument("--province-key", metavar="PEM_OR_KEY_ID",
                   help=tr("省里公布的省级公钥（PEM 文件）或公钥编号", "the province's public key (PEM file) or key id, as the province publishes it"))
    p.add_argument("--against", type=Path, metavar="PROVINCE_EXPORT",
                   help=tr("省级导出文件夹（anhui-province export），用来比对批次",
                           "the province's export folder (anhui-province export) to cross-check the batches with"))
    p.set_defaults(handler=cmd_verify)


def _bar(done: int, total: int, text: str) -> None:
    if not sys.stderr.isatty():
        return
    filled = int(30 * done / total) if total else 30
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {text}".ljust(70), end="", file=sys.stderr, flush=True)


def cmd_export(args: argparse.Namespace) -> int:
    since = _date(args.since) if args.since else None
    checker = record_checker(args)
    for form in args.forms or []:
        checker.registry.form(form)
    if args.out.exists() and not args.out.is_dir():
        raise InvalidInput(f"--out 应是一个新的文件夹，而 {args.out} 是一个文件。",
                           f"--out must name a new folder, but {args.out} is a file.")
    with open_office(args) as office:
        from desktop.services.exchange.export import export_office

        for progress in export_office(office, checker.registry, args.out, forms=args.forms, since=since):
            _bar(progress.done, progress.total, progress.step)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    counts = progress.counts
    n = sum(counts["records"].values())
    files = counts.get("attachments", 0)
    files_zh, files_en = (f"，{files} 个附件", f", {files} attachments") if files else ("", "")
    # The check an auditor runs starts from the province's key; without it the result is
    # only the office's word (exit 3), so the hint names it.
    verify_zh = f"核验：anhui-collect verify-export {args.out} --province-key 省级公钥.pem（公钥向省里索取）"
    verify_en = f"Verify: anhui-collect verify-export {args.out} --province-key PROVINCE_KEY.pem (ask the province for it)"
    if args.forms or since:
        # The history always goes whole (it is what the records are verified against): a
        # filtered export says which count is the filter's and which is the office's.
        say(
            f"已导出到 {args.out}：符合筛选条件的记录 {n} 条；另附本办公室完整的版本历史（全部 {counts['versions']} 个版本）"
            f"和 {counts['receipts']} 份回执{files_zh}，供核验。{verify_zh}",
            f"Exported to {args.out}: {n} records match the filter; the office's whole version history ({counts['versions']} versions, "
            f"all records) and {counts['receipts']} receipts{files_en} come with them for verification. {verify_en}",
        )
        return 0
    say(
        f"已导出到 {args.out}：{n} 条记录，{counts['versions']} 个版本，{counts['receipts']} 份回执{files_zh}。{verify_zh}",
        f"Exported to {args.out}: {n} records, {counts['versions']} versions, {counts['receipts']} receipts{files_en}. {verify_en}",
    )
    return 0


def _date(text: str) -> str:
    import datetime as dt

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”格式不对，应为 YYYY-MM-DD。", f"'{text}' is not a date (YYYY-MM-DD).") from None
    # Beijing is ahead of UTC, so its today may be tomorrow in UTC: the later of the two.
    today = max(dt.date.today(), dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date())
    if day > today:
        raise InvalidInput(f"--since {day.isoformat()} 在今天（{today.isoformat()}）之后：还没有在那之后修改的记录。",
                           f"--since {day.isoformat()} is after today ({today.isoformat()}): no record has changed since then.")
    return day.isoformat()


# Exit codes of verify-export: a pass anchored in the province's key, a failure, a check that
# could not start (a wrong argument: nothing was judged), and a pass that trusted a key found
# in the folder (the auditor must still compare its id).
VERIFIED, FAILED, NOT_RUN, UNANCHORED = 0, 1, 2, 3


class VerifyNotRun(InvalidInput):
    """verify-export was given something it cannot check with: not a verdict on the export."""

    exit_code = NOT_RUN


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.services.exchange.verify import PinError, verify_export

    if not args.folder.is_dir():
        raise VerifyNotRun(f"找不到导出文件夹 {args.folder}。", f"No export folder at {args.folder}.")
    if args.against is not None and not args.against.is_dir():
        raise VerifyNotRun(f"找不到省级导出文件夹 {args.against}（--against）。",
                           f"No province export folder at {args.against} (--against).")
    try:
        report = verify_export(args.folder, province_key=args.province_key, against=args.against)
    except PinError:
        raise VerifyNotRun(
            f"--province-key “{args.province_key}”不是可读的 Ed25519 公钥（PEM 文件），也不是导出中任何省级公钥的编号。",
            f"--province-key '{args.province_key}' is neither a readable Ed25519 public key (PEM file) nor the id of a province key in the export.",
        ) from None
    if not report.ok:
        for where, zh, en in report.problems:
            print(f"{where}: {zh if lang() == 'zh' else en}", file=sys.stderr)
        if report.more_problems:
            print(f"…… +{report.more_problems}", file=sys.stderr)
        n = len(report.problems) + report.more_problems
        say(f"核验未通过：发现 {n} 处问题。", f"Verification FAILED: {n} problem(s).")
        return FAILED
    checked = report.checked
    say(
        f"核验通过：{checked.get('files', 0)} 个文件、{checked.get('versions', 0)} 个版本、{checked.get('history', 0)} 条历史、"
        f"{checked.get('batches', 0)} 个批次、{checked.get('receipts', 0)} 份回执均一致，表格与记录逐格相符。",
        f"Verified: {checked.get('files', 0)} files, {checked.get('versions', 0)} versions, {checked.get('history', 0)} history entries, "
        f"{checked.get('batches', 0)} batches and {checked.get('receipts', 0)} receipts agree; every table cell matches its record.",
    )
    _say_head(report)
    filters = report.filters
    if filters and (not filters.get("all_forms") or filters.get("since")):
        forms = "、".join(str(f) for f in filters.get("forms") or [])  # type: ignore[attr-defined]
        since = filters.get("since") or "—"
        say(f"注意：这是筛选过的导出（表单：{forms}；修改日期不早于：{since}），其余记录不在其中。",
            f"Note: a filtered export (forms: {forms}; changed on or after: {since}); other records are not in it.")
    if report.unsynced:
        sample = "、".join(report.unsynced_sample)
        say(f"尚未经省里确认的记录 {report.unsynced} 条（从未同步或同步后又修改）：{sample}",
            f"{report.unsynced} records not confirmed by the province (never synced, or changed since): {', '.join(report.unsynced_sample)}")
    if args.against is not None:
        say(f"与省级导出比对：省里持有本设备的 {checked.get('province_batches', 0)} 个批次全部在本导出中，逐字节相同。",
            f"Against the province's export: all {checked.get('province_batches', 0)} batches it holds for this device are here, byte for byte.")
    if report.anchored:
        say(f"信任起点：省级公钥 {report.trusted_key_id}。", f"Anchored in province key {report.trusted_key_id}.")
        return VERIFIED
    if report.trusted_key_id is None:
        say("未锚定：导出中没有省里签发的内容（本设备从未登记或同步），完整性只能由办公室自述。",
            "UNANCHORED: nothing in this export is signed by the province (never enrolled or synced); completeness rests on the office's word.")
    elif not args.province_key:
        say(f"未锚定：信任的是导出中登记回执所载的省级公钥 {report.trusted_key_id}。请向省里核对此编号，或用 --province-key 指定省里公布的公钥再核验。",
            f"UNANCHORED: trusted the province key named in the export's enrollment, {report.trusted_key_id}. Compare this id with the one the province publishes, or pass --province-key.")
    else:
        say("未锚定：本设备从未与省里同步，省里尚未确认任何内容。", "UNANCHORED: this device never synced; the province has confirmed nothing yet.")
    return UNANCHORED


def _say_head(report: VerifyReport) -> None:
    head = report.head
    if head is None:
        return
    say(f"完整性：截至最后一次同步（省里时间 {head['issued_at']}），省里收到本设备的第 1–{head['last_sequence']} 批，全部在本导出中。",
        f"Complete up to the last sync at {head['issued_at']} (province time): batches 1–{head['last_sequence']} the province received from this device are all here.")


def register_import(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    p = sub.add_parser("import", parents=[common], help=tr("从 Excel 工作簿（.xlsx）导入记录", "import records from an Excel workbook"))
    p.add_argument("file", type=Path, help=tr("要导入的 .xlsx 文件", "the .xlsx file"))
    p.add_argument("--partial", action="store_true", help=tr("有的行出错时，仍导入正确的行", "import the valid rows even if some rows fail"))
    p.add_argument("--final", action="store_true", help=tr("导入后直接定稿（可同步），而不是草稿", "import as final (ready to sync) instead of drafts"))
    p.add_argument("--report", type=Path, help=tr("错误报告写到哪里（默认：与文件同一文件夹）", "where to write the error report (default: beside the file)"))
    p.set_defaults(handler=cmd_import)
    p = sub.add_parser("template", parents=[common],
                       help=tr("列出表单；给出表单时列出其字段；加 --out 时写出其 Excel 导入模板",
                               "list the forms; a form's fields; with --out, its Excel import sheet"))
    p.add_argument("form", nargs="?", help=tr("表单编号（不给：列出全部表单）", "a form id (without it: every form)"))
    p.add_argument("--out", type=Path, help=tr("把该表单的空白 Excel 导入模板写到这里", "write the form's empty Excel import sheet here"))
    p.set_defaults(handler=cmd_template)


def cmd_import(args: argparse.Namespace) -> int:
    checker = record_checker(args)
    with open_office(args) as office:
        from desktop.services.exchange.importer import import_workbook
        from desktop.services.records import RecordService

        service = RecordService(office, checker)
        for progress in import_workbook(service, checker.registry, args.file, partial=args.partial,
                                        final=args.final, report_path=args.report):
            if progress.total:
                _bar(progress.done, progress.total, progress.step)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for p in progress.problems[:200]:
        where = f"{p.sheet} 第 {p.row} 行" if p.row else p.sheet
        print(f"{where} {p.column}：{p.text(lang())}", file=sys.stderr)
    if len(progress.problems) > 200:
        print(f"……共 {len(progress.problems)} 处问题", file=sys.stderr)
    bad_rows = len({(p.sheet, p.row) for p in progress.problems if p.row})
    say(
        f"导入 {progress.imported} 条记录；{bad_rows} 行有错误。" + (f"错误报告：{progress.report}" if progress.report else ""),
        f"Imported {progress.imported} records; {bad_rows} rows have errors." + (f" Report: {progress.report}" if progress.report else ""),
    )
    return 1 if bad_rows else 0


def cmd_template(args: argparse.Namespace) -> int:
    checker = record_checker(args)
    zh = lang() == "zh"
    if args.form is None:
        for each in checker.registry.forms():
            print(f"{each.id:<24} {each.label_zh if zh else each.label_en}")
        return 0
    form = checker.registry.form(args.form)
    if args.out is None:
        # What a record's JSON file holds: each field by id, with its label, kind and unit,
        # and the codes a choice takes.
        for path, field in form.walk():
            label = pad(field.label_zh if zh else field.label_en, 30)
            must = ("必填" if zh else "required") if field.required else ""
            unit = field.unit_zh if zh else field.unit_en
            codes = [c.code for c in form.choices(field)] if field.type in ("choice", "multi_choice") else []
            shown = ", ".join(codes[:6]) + (", …" if len(codes) > 6 else "")
            print(f"{path:<26} {label} {field.type:<12} {unit:<6} {must:<8} {shown}".rstrip())
        return 0
    if args.out.is_dir():
        raise InvalidInput(f"--out 应是要写出的 .xlsx 文件名，而 {args.out} 是一个文件夹。",
                           f"--out must name the .xlsx file to write, but {args.out} is a folder.")
    from desktop.services.exchange.template import write_template

    write_template(form, args.out)
    say(f"已写出“{form.label('zh')}”导入模板：{args.out}", f"Wrote the {form.label('en')} import template: {args.out}")
    return 0
