"""``anhui-collect periods``: the reporting periods (填报期) the province has open, and the
enterprises of this office still without a final report for each."""

from __future__ import annotations

import argparse

from desktop.cli.common import common_options, lang, open_office, print_json, record_checker, tr


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("periods", parents=[common_options()],
                       help=tr("省里开放的填报期，以及尚未填报的企业", "the reporting periods the province opened, and which enterprises still owe a report"))
    p.add_argument("--json", action="store_true", help=tr("以 JSON 输出", "print JSON"))
    p.set_defaults(handler=cmd_periods)


def cmd_periods(args: argparse.Namespace) -> int:
    # The periods need the forms engine: imported for this command only.
    from desktop.services.periods import open_periods, period_status

    checker = record_checker(args)
    with open_office(args) as office:
        statuses = [period_status(office.db, checker.registry, p) for p in open_periods(office.db)]
        if args.json:
            print_json([s.to_json() for s in statuses])
            return 0
        zh = lang() == "zh"
        if not statuses:
            print("省里目前没有开放的填报期（同步后可看到省里新开放的填报期）。" if zh else
                  "The province has no reporting period open (a sync brings newly opened ones).")
        for s in statuses:
            form = checker.registry.form(s.period.form_id)
            name = form.label("zh" if zh else "en")
            due = (f"，截止 {s.period.due}" if zh else f", due {s.period.due}") if s.period.due else ""
            print(f"{s.period.year}年度{name}填报期开放中{due}：{s.subjects} 家企业，已定稿 {s.reported} 家，"
                  f"未填报 {len(s.missing)} 家，未定稿 {len(s.unfinished)} 家。" if zh else
                  f"{name} {s.period.year}: open{due}; {s.subjects} enterprises, {s.reported} reported final, "
                  f"{len(s.missing)} missing, {len(s.unfinished)} not final.")
            for owing in s.missing:
                print(f"  {'未填报' if zh else 'missing'}  {owing.name}  {owing.credit_code}  {owing.record_id}")
            for owing in s.unfinished:
                print(f"  {'未定稿' if zh else 'not final'}  {owing.name}  {owing.credit_code}  {owing.report_id}")
    return 0
