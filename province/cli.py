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

from province.context import DEFAULT_MAX_BATCH_VERSIONS, Province, Settings
from province.limits import Limits, parse_limit
from sync.errors import ProtocolError
from sync.keys import public_key_to_pem


def _print_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    if not rows:
        print("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c) if r.get(c) is not None else "-")) for r in rows))
              for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c) if r.get(c) is not None else "-").ljust(widths[c])
                        for c in columns))


def _open(args: argparse.Namespace) -> Province:
    return Province.open(Settings.make(args.data_dir, args.database_url))


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from province.server import BACKLOG, PROTOCOL, raise_open_file_limit

    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
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
        print(f"Enrollment code: {code}")
        print(f"Org unit:        {args.org_unit}")
        print(f"Expires (UTC):   {expires}")
        print(f"Province key id: {province.key_id}")
        print("Give the code to the office; it works once. The key id lets the office check "
              "it is talking to this province.")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from province.admin import list_devices
    from province.enrollment import revoke_device

    province = _open(args)
    if args.devices_command == "revoke":
        when = revoke_device(province, args.device_id, args.reason or "")
        from province.actions import record

        province.db.run(lambda tx: record(tx, _actor(), "device.revoke", args.device_id,
                                          args.reason or "", {}))
        print(f"Device {args.device_id} revoked at {when}.")
        return 0
    rows = list_devices(province)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(rows, ("device_id", "org_unit", "label", "enrolled_at", "revoked_at",
                            "next_sequence", "batches"))
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    from province.admin import list_batches, rejections

    province = _open(args)
    if args.batches_command == "show":
        print(json.dumps(rejections(province, args.batch_id), ensure_ascii=False, indent=1))
        return 0
    rows = list_batches(province, args.device)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(rows, ("log_index", "batch_id", "device_id", "sequence", "received_at",
                            "accepted", "rejected"))
    return 0


def cmd_records(args: argparse.Namespace) -> int:
    from province.admin import list_records
    from province.updates import return_record

    province = _open(args)
    if args.records_command == "return":
        update_id = return_record(province, args.record_id, args.reason, _actor())
        print(f"Record {args.record_id} returned (update {update_id}); the office sees it "
              "at its next sync.")
        return 0
    rows = list_records(province, args.org_unit, args.form)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(rows, ("record_id", "org_unit", "form_id", "form_version", "state",
                            "versions", "received_at"))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from province.updates import PublishError, collect, publish

    province = _open(args)
    try:
        results = publish(province, collect([Path(p) for p in args.paths]))
    except PublishError as exc:
        print(f"Nothing published: {exc}", file=sys.stderr)
        return 1
    for item, update_id in results:
        what = f"{item.kind} {item.name} v{item.version}"
        print(f"{what}: " + (f"published as update {update_id}" if update_id else "unchanged"))
    return 0


def cmd_period(args: argparse.Namespace) -> int:
    from province.periods import PeriodError, periods, set_period

    province = _open(args)
    if args.period_command == "list":
        rows = [p.to_json() for p in periods(province)]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            _print_table(rows, ("form_id", "year", "state", "due", "update_id", "published_at"))
        return 0
    try:
        update_id = set_period(province, args.form, args.year, "open" if args.period_command == "open" else "closed",
                               due=getattr(args, "due", None), actor=_actor())
    except PeriodError as exc:
        print(f"Nothing published: {exc}", file=sys.stderr)
        return 1
    state = "open" if args.period_command == "open" else "closed"
    if update_id is None:
        print(f"The {args.year} period of {args.form} is already {state}; nothing published.")
    else:
        print(f"The {args.year} period of {args.form} is {state} (update {update_id}); offices see it "
              "at their next sync.")
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text[:40]!r}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from province.admin import export

    province = _open(args)
    hashes = export(province, Path(args.out))
    print(f"Exported {len(hashes)} files to {args.out} (manifest signed by the province key).")
    return 0


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        # getpass would read an empty password or fail on a closed input: say what to do.
        raise accounts_error("no terminal to ask for the password: type it in a terminal, "
                             "or give it on standard input with --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise accounts_error("the two passwords differ")
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
                _print_table(rows, ("username", "role", "created_at", "disabled_at",
                                    "locked_until", "last_login_at"))
        elif command == "add":
            accounts.add_user(db, args.username, args.role, _read_password(args), _actor())
            print(f"User {args.username} ({args.role}) added.")
        elif command == "reset":
            if not any(u["username"] == args.username for u in accounts.list_users(db)):
                raise accounts.AccountError(f"no user {args.username}")
            accounts.reset_password(db, args.username, _read_password(args), _actor(),
                                    role=args.role)
            print(f"Password of {args.username} reset; their sessions are ended.")
        else:
            accounts.set_disabled(db, args.username, command == "disable", _actor(),
                                  args.reason)
            print(f"User {args.username} {command}d.")
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _reporting_year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"not a year: {text!r} (e.g. 2025)")
    return int(text)


def cmd_progress(args: argparse.Namespace) -> int:
    import datetime as dt

    from province.progress import compute

    province = _open(args)
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"error: --as-of is a day as YYYY-MM-DD, not {args.as_of!r}", file=sys.stderr)
        return 2
    day = as_of or dt.datetime.now(dt.UTC).date()
    if not 2001 <= day.year <= 2100:
        print(f"error: --as-of {day.isoformat()} is outside the years 2001-2100", file=sys.stderr)
        return 2
    # Revenue is reported for years that have ended by the counting day.
    if args.year is not None and args.year >= day.year:
        print(f"error: the reporting year {args.year} has not ended by {day.isoformat()}; "
              f"choose {day.year - 1} or earlier", file=sys.stderr)
        return 2
    body = compute(province, as_of, args.year)
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=1))
        return 0
    lang = args.lang
    print(("全省进展（截至 {d}，计入记录 {n} 条）" if lang == "zh" else
           "Province-wide progress (as of {d}; {n} records counted)").format(
        d=body["as_of"], n=body["records_counted"]))
    rows = [{"measure": t["label_" + lang], "value": t["value"],
             **{str(m["year"]): m["value"] for m in t["milestones"]}} for t in body["targets"]]
    _print_table(rows, ("measure", "value", "2027", "2030"))
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from province.signing import rotate_key

    settings = Settings.make(args.data_dir, args.database_url)
    province = Province.open(settings)
    old, new = rotate_key(settings.data_dir, province.db)
    print(f"Province key rotated: {old} -> {new}")
    print("Running servers sign with the new key from their next request; offices verify the "
          "rotation (signed by the old key) and trust the new key automatically.")
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
            raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{what} must be between {low:g} and {high:g}")
        return value

    return parse


def _text(max_len: int) -> Callable[[str], str]:
    """An argument of text: bytes the terminal could not decode are refused, not stored."""

    def parse(text: str) -> str:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise argparse.ArgumentTypeError("is not valid text in the terminal's encoding "
                                             "(UTF-8)") from None
        if len(text) > max_len:
            raise argparse.ArgumentTypeError(f"must be at most {max_len} characters")
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
    parser = argparse.ArgumentParser(prog="anhui-province",
                                     description="Provincial endpoint for anhui-collect offices.")
    parser.add_argument("--data-dir", default=None,
                        help="where the signing key and default database live "
                             "(env ANHUI_PROVINCE_HOME)")
    parser.add_argument("--database-url", default=None,
                        help="postgresql://user@host/db, or a SQLite file path "
                             "(env ANHUI_PROVINCE_DATABASE_URL; default <data-dir>/province.sqlite3)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_bounded(int, 0, 65535, "--port"), default=8750)
    p.add_argument("--workers", type=_bounded(int, 1, 256, "--workers"), default=1,
                   help="server processes sharing the database")
    p.add_argument("--tls-cert", help="PEM certificate chain (serve https)")
    p.add_argument("--tls-key", help="PEM private key of the certificate")
    p.add_argument("--max-batch-versions", type=_bounded(int, 1, 100_000, "--max-batch-versions"),
                   default=DEFAULT_MAX_BATCH_VERSIONS)
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug", "trace"])
    limits = p.add_argument_group("request limits (each also ANHUI_PROVINCE_<NAME>)")
    for f in dataclasses.fields(Limits):
        limits.add_argument("--" + f.name.replace("_", "-"), type=_limit_option(f.name),
                            default=None, metavar="N",
                            help=f"{f.metadata['help']} (default {f.default})")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("enroll-code", help="issue a one-time enrollment code for an org unit")
    p.add_argument("--org-unit", required=True, type=_text(32),
                   help="6-digit code from the division table")
    p.add_argument("--expires-hours", default=72.0,
                   type=_bounded(float, 1 / 60, 720, "--expires-hours"),
                   help="hours the code stays usable (at most 720)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_enroll_code)

    p = sub.add_parser("devices", help="list or revoke devices")
    dsub = p.add_subparsers(dest="devices_command", required=True)
    q = dsub.add_parser("list")
    q.add_argument("--json", action="store_true")
    q = dsub.add_parser("revoke")
    q.add_argument("device_id", type=_text(128))
    q.add_argument("--reason", default="", type=_text(500))
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("batches", help="list received batches")
    bsub = p.add_subparsers(dest="batches_command", required=True)
    q = bsub.add_parser("list")
    q.add_argument("--device", type=_text(128))
    q.add_argument("--json", action="store_true")
    q = bsub.add_parser("show", help="a batch's rejected versions and reasons")
    q.add_argument("batch_id", type=_text(128))
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("records", help="review and return records")
    rsub = p.add_subparsers(dest="records_command", required=True)
    q = rsub.add_parser("list")
    q.add_argument("--org-unit", type=_text(128))
    q.add_argument("--form", type=_text(128))
    q.add_argument("--json", action="store_true")
    q = rsub.add_parser("return", help="return a record to its office for correction")
    q.add_argument("record_id", type=_text(128))
    q.add_argument("--reason", required=True, type=_text(4000),
                   help="shown to the office (at most 4,000 characters)")
    p.set_defaults(func=cmd_records)

    p = sub.add_parser("publish", help="publish form versions and reference data (files or folders)")
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("period", help="open and close the reporting periods (填报期) of yearly forms")
    psub = p.add_subparsers(dest="period_command", required=True)
    q = psub.add_parser("list", help="every period and its state")
    q.add_argument("--json", action="store_true")
    for name, text in (("open", "open a period (again, to change its due day)"), ("close", "close a period")):
        q = psub.add_parser(name, help=text)
        q.add_argument("form", type=_text(64), help="a yearly form, e.g. annual_report")
        q.add_argument("year", type=_bounded(int, 2000, 2100, "year"), help="the year reported on")
        if name == "open":
            q.add_argument("--due", type=_day, metavar="YYYY-MM-DD", help="the last day to report")
    p.set_defaults(func=cmd_period)

    p = sub.add_parser("export", help="export everything, with a signed manifest")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("user", help="staff accounts of the web console")
    usub = p.add_subparsers(dest="user_command", required=True)
    q = usub.add_parser("list")
    q.add_argument("--json", action="store_true")
    q = usub.add_parser("add", help="create an account (asks for the password)")
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=("viewer", "reviewer", "admin"))
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    q = usub.add_parser("reset", help="set a new password (and lift a lock-out)")
    q.add_argument("username")
    q.add_argument("--role", choices=("viewer", "reviewer", "admin"), help="change the role too")
    q.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        q = usub.add_parser(name)
        q.add_argument("username")
        q.add_argument("--reason", default="")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("progress", help="province-wide progress toward the plan's targets")
    p.add_argument("--json", action="store_true")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--as-of", help="the day to count at (YYYY-MM-DD; default today, UTC)")
    p.add_argument("--year", type=_reporting_year,
                   help="the reporting year of money figures (default: the year before --as-of)")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("rotate-key", help="replace the province signing key")
    p.set_defaults(func=cmd_rotate_key)

    p = sub.add_parser("key", help="print the current province key id (or its public key as PEM)")
    p.add_argument("--pem", action="store_true",
                   help="print the public key as PEM, for auditors' verify-export --province-key")
    p.set_defaults(func=cmd_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``anhui-province`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ProtocolError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
