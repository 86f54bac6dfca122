"""``record add|edit|finalize|list|show|attach|detach|attachments|extract``.

The attachment services are imported by the commands that use them: ``record list`` starts
with the store and the records service only (``tests/store/test_start_up_imports.py``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from desktop.cli.common import (
    common_options,
    data_dir,
    lang,
    open_office,
    pad,
    print_json,
    read_json_file,
    record_checker,
    say,
    tr,
)
from desktop.errors import InvalidInput
from desktop.services.records import STATUSES, RecordService
from desktop.services.updates import published_dir
from desktop.store.clock import beijing_time
from desktop.vocabulary import STATUSES as STATUS_WORDS
from desktop.vocabulary import word
from forms.errors import UnknownForm
from forms.labels import form_labels
from forms.text import aligned, strip_invisible

if TYPE_CHECKING:
    from forms.model import FormDefinition


def register(sub: argparse._SubParsersAction) -> None:
    common = common_options()
    records = sub.add_parser("record", help=tr("添加、修改和查看记录", "add, edit and read records")).add_subparsers(
        dest="record_command", metavar=tr("操作", "ACTION"))
    p = records.add_parser("add", parents=[common], help=tr("从 JSON 文件添加一条记录", "add a record from a JSON file"))
    p.add_argument("--form", required=True, help=tr("表单编号，如 enterprise（anhui-collect template 列出全部表单）", "a form id, e.g. enterprise"))
    p.add_argument("--file", required=True, help=tr("记录各字段的 JSON 文件（“-”表示从标准输入读取）", "JSON file with the record's fields ('-' for standard input)"))
    p.add_argument("--final", action="store_true", help=tr("立即定稿（可同步）", "finalize it at once (ready to sync)"))
    p.set_defaults(handler=cmd_add)
    p = records.add_parser("edit", parents=[common], help=tr("保存记录的新版本", "save a new version of a record"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.add_argument("--file", required=True, help=tr("记录各字段的 JSON 文件（“-”表示从标准输入读取）", "JSON file with the record's fields ('-' for standard input)"))
    p.add_argument("--final", action="store_true", help=tr("保存后立即定稿", "finalize it at once"))
    p.set_defaults(handler=cmd_edit)
    p = records.add_parser("finalize", parents=[common], help=tr("把草稿定稿（可同步）", "mark a draft final (ready to sync)"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.set_defaults(handler=cmd_finalize)
    p = records.add_parser("list", parents=[common], help=tr("列出记录", "list records"))
    p.add_argument("--form", help=tr("只列出这个表单的记录", "only this form's records"))
    p.add_argument("--status", type=_status, metavar="|".join(STATUSES),
                   help=tr("状态：代码或中文（草稿、已定稿……）", "a status by its code or its Chinese word (草稿, 已定稿, ...)"))
    p.add_argument("--search", help=tr("要查找的文字（可为中文的一部分）", "text to find, Chinese substrings included"))
    p.add_argument("--limit", type=_limit, default=None, help=tr("最多列出多少条（1 至 1000000）", "at most this many records (1 to 1,000,000)"))
    p.add_argument("--json", action="store_true", help=tr("以 JSON 输出", "print JSON"))
    p.set_defaults(handler=cmd_list)
    p = records.add_parser("show", parents=[common], help=tr("查看一条记录", "show one record"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.add_argument("--history", action="store_true", help=tr("同时列出每个版本和状态变化", "include every version and status change"))
    p.add_argument("--json", action="store_true", help=tr("以 JSON 输出", "print JSON"))
    p.set_defaults(handler=cmd_show)
    p = records.add_parser("attach", parents=[common], help=tr("给记录附加 PDF、OFD、JPEG 或 PNG 文件", "attach a PDF, OFD, JPEG or PNG file to a record"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.add_argument("target", nargs="+", metavar=tr("[附件项] 文件", "[FIELD] FILE"),
                   help=tr("附件项（表单只有一个附件项时可省略）和文件", "the attachment field (optional when the form has one) and the file"))
    p.add_argument("--final", action="store_true", help=tr("新版本保存为定稿", "save the new version as final"))
    p.set_defaults(handler=cmd_attach)
    p = records.add_parser("detach", parents=[common], help=tr("从记录中移除附错的文件（保存新版本）", "remove a wrongly attached file from a record (as a new version)"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.add_argument("sha256", help=tr("要移除的附件的 SHA-256（见 record attachments）；输入前 8 位以上、不重复即可",
                                     "the SHA-256 of the file to remove (see 'record attachments'); a unique prefix of 8 or more is enough"))
    p.add_argument("--field", help=tr("从哪个附件项移除（同一文件附在多项时须指明）", "the attachment field to remove it from (needed when the file is in several)"))
    p.add_argument("--final", action="store_true", help=tr("新版本保存为定稿", "save the new version as final"))
    p.set_defaults(handler=cmd_detach)
    p = records.add_parser("attachments", parents=[common], help=tr("列出记录的附件", "list a record's attached files"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.add_argument("--json", action="store_true", help=tr("以 JSON 输出", "print JSON"))
    p.set_defaults(handler=cmd_attachments)
    p = records.add_parser("extract", parents=[common], help=tr("把附件从加密存储中写出", "write an attached file out of the encrypted store"))
    p.add_argument("record_id", help=tr("记录编号", "the record's id"))
    p.add_argument("sha256", help=tr("附件的 SHA-256（见 record attachments）；写出前 8 位以上、不重复即可",
                                     "the file's SHA-256 (see 'record attachments'); a unique prefix of 8 or more is enough"))
    p.add_argument("--to", required=True, help=tr("要写出的文件，或写入的文件夹（用原文件名）", "the file to write, or a folder to write it in under its own name"))
    p.add_argument("--force", action="store_true", help=tr("覆盖同名文件", "replace a file of that name"))
    p.set_defaults(handler=cmd_extract)


def _service(args: argparse.Namespace) -> RecordService:
    return RecordService(open_office(args), record_checker(args))


def _print_warnings(warnings: list[dict]) -> None:
    for w in warnings:
        say(f"提示：{w['message_zh']}", f"Warning: {w['message_en']}")


def cmd_add(args: argparse.Namespace) -> int:
    data = read_json_file(args.file)
    service = _service(args)
    with service.office:
        saved = service.add(args.form, data, final=args.final)
    _print_warnings(saved.warnings)
    print(saved.record_id)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    data = read_json_file(args.file)
    service = _service(args)
    with service.office:
        before = service.get(args.record_id)["status"]
        saved = service.edit(args.record_id, data, final=args.final)
    _print_warnings(saved.warnings)
    print(f"{saved.record_id} v{saved.number}")
    _say_back_to_draft(before, saved.status, saved.record_id)
    return 0


def _say_back_to_draft(before: str, after: str, record_id: str) -> None:
    # A final record that goes back to draft is no longer sent: the clerk hears it now, not
    # when the province is still waiting for it.
    if before != "draft" and after == "draft":
        say(f"注意：此记录原为“{word(STATUS_WORDS, before)}”，现已改回草稿，同步时不会发送；"
            f"确认无误后请运行 record finalize {record_id}（或下次加 --final）。",
            f"Note: this record was '{word(STATUS_WORDS, before, 'en')}' and is a draft again, which sync does not "
            f"send; run 'record finalize {record_id}' when it is right (or add --final next time).")


def cmd_finalize(args: argparse.Namespace) -> int:
    service = _service(args)
    with service.office:
        service.finalize(args.record_id)
    say(f"记录 {args.record_id} 已定稿。", f"Record {args.record_id} is final.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    # The forms' names, not the forms engine: listing never validates.
    labels = form_labels(published_dir(data_dir(args)))
    if args.form and args.form not in labels:  # an unknown form is a mistake, not "0 records"
        raise UnknownForm(args.form[:64], None, sorted(labels))
    service = _service(args)
    with service.office:
        rows = service.query(form=args.form, status=args.status, search=args.search, limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    language = 0 if lang() == "zh" else 1
    for r in rows:
        form = pad(labels[r["form_id"]][language] if r["form_id"] in labels else r["form_id"], 20)
        status = pad(word(STATUS_WORDS, r["status"], lang()), 9)
        print(f"{r['record_id']}  {form} {status} {_when(r['updated_at'])}  {r['title']}")
    say(f"共 {len(rows)} 条（时间为北京时间）", f"{len(rows)} record(s) (times are Beijing time)")
    return 0


def _status(text: str) -> str:
    words = {zh: code for code, (zh, _en) in STATUS_WORDS.items()}
    if text in STATUSES or text in words:
        return words.get(text, text)
    shown = "、".join(f"{code}（{word(STATUS_WORDS, code)}）" for code in STATUSES)
    raise argparse.ArgumentTypeError(f"状态应为 {shown} 之一（收到“{text[:20]}”）")


def _when(utc: str) -> str:
    # Stored times are UTC; a clerk reads Beijing time, as the exports show it.
    return str(beijing_time(utc))


def _limit(text: str) -> int:
    # SQLite takes 64-bit limits, and a negative one means "all": both are mistakes here.
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 7 and 1 <= int(text) <= 1_000_000):
        raise argparse.ArgumentTypeError(f"条数应为 1 到 1000000 之间的整数（收到“{text[:20]}”）")
    return int(text)


def cmd_show(args: argparse.Namespace) -> int:
    service = _service(args)
    with service.office:
        record = service.show(args.record_id, history=args.history)
    if args.json:
        print_json(record)
        return 0
    zh = lang() == "zh"
    form = record_checker(args).registry.form(record["form_id"], record["form_version"])
    # The codes in brackets are what `record list --form/--status` take.
    status, form_id, version = record["status"], record["form_id"], record["form_version"]
    if zh:
        print(f"记录 {record['record_id']}  {form.label_zh}（{form_id} 第{version}版）  {word(STATUS_WORDS, status, 'zh')}（{status}）")
    else:
        print(f"Record {record['record_id']}  {form.label_en} ({form_id} v{version})  {status}")
    if record["status_reason"]:
        # Printed to a terminal: a reason holding escape codes must not drive it.
        print(("退回原因：" if zh else "Returned: ") + strip_invisible(record["status_reason"]))
    for line in _readable(form, record["data"], "zh" if zh else "en"):
        print(line)
    if args.history:
        for h in record["history"]:
            shown = word(STATUS_WORDS, h["status"], "zh" if zh else "en")
            print(f"  #{h['seq']} {_when(h['at'])} {h['actor']:<10} {h['event']:<7} -> {shown}  {h['detail'] if h['detail'] != '{}' else ''}")
    return 0


def _readable(form: FormDefinition, data: dict[str, Any], language: str) -> Iterator[str]:
    """The record's fields as a clerk reads them: label, then value (choice labels, units), in
    the form's order; a repeat group one line per item. ``--json`` gives the stored data."""
    colon = "：" if language == "zh" else ": "
    for f in form.fields:
        value = data.get(f.id)
        if value is None or value == "" or value == []:
            continue
        if f.type == "group" and isinstance(value, list):
            for i, item in enumerate(value, 1):
                parts = [f"{sub.label(language)}{colon}{form.display_value(sub, item.get(sub.id), data, language)}"
                         for sub in f.fields if isinstance(item, dict) and item.get(sub.id) not in (None, "")]
                number = f"（第{i}项）" if language == "zh" else f" #{i}"
                joined = ("；" if language == "zh" else "; ").join(parts)
                yield f"{f.label(language)}{number}{colon}{joined}"
        else:
            yield f"{f.label(language)}{colon}{form.display_value(f, value, data, language)}"
    # Fields the form version no longer describes are still shown, by id.
    known = {f.id for f in form.fields}
    for key, value in data.items():
        if key not in known:
            yield f"{key}{colon}{json.dumps(value, ensure_ascii=False)}"


def register_progress(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("progress", parents=[common_options()],
                       help=tr("距方案 2027、2030 年目标的进展", "progress toward the plan's 2027/2030 targets"))
    p.add_argument("--json", action="store_true", help=tr("以 JSON 输出", "print JSON"))
    p.add_argument("--as-of", type=_day, default=None, metavar="YYYY-MM-DD",
                   help=tr("认定证书在哪一天仍须有效（默认：今天）", "the day certificates must still be valid on (default: today)"))
    p.add_argument("--year", type=_year, default=None, metavar="YYYY",
                   help=tr("合计哪一年度的营业收入（默认：上一个完整年度）",
                           "the year whose revenue figures are added up (default: the last complete year)"))
    p.set_defaults(handler=cmd_progress)


def _day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为“年-月-日”，如 2026-11-26（收到“{text[:20]}”）") from None
    # The default reporting year is the year before: it must be one --year would accept.
    if not 2001 <= day.year <= 2100:
        raise argparse.ArgumentTypeError(f"统计截止日期应在 2001 至 2100 年之间（收到“{text[:20]}”）")
    return day


def _year(text: str) -> int:
    if not text.isdecimal() or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"统计年度应为 2000 至 2100 之间的年份（收到“{text[:20]}”）")
    return int(text)


def _complete_year(year: int | None, as_of: dt.date | None) -> None:
    # Revenue is reported for years that have ended: a year still running (or to come) on the
    # counting day has no complete figures to add up.
    day = as_of or dt.date.today()
    if year is not None and year >= day.year:
        raise InvalidInput(
            f"统计年度 {year} 年截至 {day.isoformat()} 尚未结束，应为 {day.year - 1} 年或更早的完整年度。",
            f"The reporting year {year} has not ended by {day.isoformat()}; choose {day.year - 1} or earlier.",
        )


def cmd_progress(args: argparse.Namespace) -> int:
    _complete_year(args.year, args.as_of)
    checker = record_checker(args)
    with open_office(args) as office:
        from desktop.services.progress import office_progress

        progress = office_progress(office, checker.registry, as_of=args.as_of, reporting_year=args.year)
    if args.json:
        print_json(progress.to_json())
    else:
        print(progress.render_text(lang=lang()))
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    from desktop.services.attachments import Attachments
    from forms.attachments import mb

    if len(args.target) > 2:
        raise InvalidInput("用法：record attach 记录编号 [附件项] 文件", "Usage: record attach RECORD_ID [FIELD] FILE")
    field_id, path = (args.target[0], args.target[1]) if len(args.target) == 2 else (None, args.target[0])
    service = _service(args)
    with service.office:
        before = service.get(args.record_id)["status"]
        saved, entry = Attachments(service).attach(args.record_id, path, field_id=field_id, final=args.final)
    _print_warnings(saved.warnings)
    say(f"已附加 {entry['name']}（{mb(entry['size'])}，SHA-256 {entry['sha256']}）：{saved.record_id} v{saved.number}",
        f"Attached {entry['name']} ({mb(entry['size'], 'en')}, SHA-256 {entry['sha256']}): {saved.record_id} v{saved.number}")
    _say_back_to_draft(before, saved.status, saved.record_id)
    return 0


def cmd_attachments(args: argparse.Namespace) -> int:
    from desktop.services.attachments import Attachments
    from forms.attachments import mb

    service = _service(args)
    with service.office:
        rows = Attachments(service).listing(args.record_id)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        say("此记录没有附件。", "This record has no attachments.")
        return 0
    zh = lang() == "zh"
    table = [("SHA-256", "大小", "附件项", "上传", "文件名") if zh else ("SHA-256", "Size", "Field", "Sent", "Name")]
    for row in rows:
        label = row["field_label_zh"] if zh else row["field_label_en"]
        sent = ("已上传" if row["uploaded"] else "未上传") if zh else ("uploaded" if row["uploaded"] else "not uploaded")
        table.append((row["sha256"], mb(row["size"], lang()), label, sent, row["name"]))
    # Aligned by display width (a Chinese character takes two columns), so the header sits
    # over its column whatever the field labels are.
    for line in aligned(table):
        print(line)
    return 0


def cmd_detach(args: argparse.Namespace) -> int:
    from desktop.services.attachments import Attachments
    from forms.attachments import mb

    service = _service(args)
    with service.office:
        before = service.get(args.record_id)["status"]
        saved, entry, field = Attachments(service).detach(args.record_id, args.sha256, field_id=args.field,
                                                          final=args.final)
    _print_warnings(saved.warnings)
    say(f"已从“{field.label_zh}”移除 {entry['name']}（{mb(entry['size'])}，SHA-256 {entry['sha256']}）："
        f"{saved.record_id} v{saved.number}。加密存储中的文件仍保留，历史版本仍可查看。",
        f"Removed {entry['name']} ({mb(entry['size'], 'en')}, SHA-256 {entry['sha256']}) from '{field.label_en}': "
        f"{saved.record_id} v{saved.number}. The stored file stays for the record's history.")
    _say_back_to_draft(before, saved.status, saved.record_id)
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from desktop.services.attachments import Attachments

    service = _service(args)
    with service.office:
        attachments = Attachments(service)
        digest = attachments.resolve(args.record_id, args.sha256)
        written = attachments.extract(args.record_id, digest, args.to, overwrite=args.force)
    say(f"已写出 {written}", f"Wrote {written}")
    return 0
