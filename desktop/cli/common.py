"""What every office command shares: options, the passphrase, output, errors."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from desktop.errors import InvalidInput
from desktop.paths import default_data_dir
from desktop.services.checking import FormsChecker, default_checker
from desktop.store.office import Office

PASSPHRASE_ENV = "ANHUI_COLLECT_PASSPHRASE"
NEW_PASSPHRASE_ENV = "ANHUI_COLLECT_NEW_PASSPHRASE"
RECOVERY_KEY_ENV = "ANHUI_COLLECT_RECOVERY_KEY"
LANG_ENV = "ANHUI_COLLECT_LANG"


def lang() -> str:
    return "en" if os.environ.get(LANG_ENV, "zh").lower().startswith("en") else "zh"


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--data-dir", type=Path, default=None, help="office data folder (default: per-user data dir, or $ANHUI_COLLECT_HOME)")
    parent.add_argument("--user", default=None, help="who is working (default: the first admin)")
    return parent


def data_dir(args: argparse.Namespace) -> Path:
    return args.data_dir if args.data_dir is not None else default_data_dir()


def read_passphrase(prompt: str, env: str = PASSPHRASE_ENV, confirm: bool = False) -> str:
    """From the environment (automation) or a hidden prompt (people)."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(
            f"需要口令：请在终端中运行，或设置环境变量 {env}。",
            f"A passphrase is needed: run in a terminal or set {env}.",
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("再输入一次 / again: ") != first:
        raise InvalidInput("两次输入的口令不一致。", "The two passphrases differ.")
    return first


def open_office(args: argparse.Namespace) -> Office:
    office = Office.unlock(data_dir(args), args.user, read_passphrase("口令 / passphrase: "))
    # Damage that did not stop this user still needs someone to act: say so on every command.
    for zh, en in office.key_file_warnings:
        print(f"警告：{zh}。请运行 check 查看详情。" if lang() == "zh" else f"Warning: {en}. Run 'check' for details.", file=sys.stderr)
    return office


def record_checker(args: argparse.Namespace) -> FormsChecker:
    return default_checker(data_dir(args))


def read_json_file(path: str) -> Any:
    """Parse a record file, with a clear message for a missing, binary or broken file."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {path}：{exc.strerror}", f"Cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
        return json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            f"文件 {path} 不是 UTF-8 编码的 JSON：{exc}",
            f"{path} is not UTF-8 JSON: {exc}",
        ) from exc


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def say(zh: str, en: str) -> None:
    print(zh if lang() == "zh" else en)
