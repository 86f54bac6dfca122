"""What every office command shares: options, the passphrase, output, errors."""

from __future__ import annotations

import argparse
import errno
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
from forms.text import pad as pad_to
from sync.chinese_argparse import ChineseArgumentParser

PASSPHRASE_ENV = "ANHUI_COLLECT_PASSPHRASE"
NEW_PASSPHRASE_ENV = "ANHUI_COLLECT_NEW_PASSPHRASE"
RECOVERY_KEY_ENV = "ANHUI_COLLECT_RECOVERY_KEY"
LANG_ENV = "ANHUI_COLLECT_LANG"


def lang() -> str:
    return "en" if os.environ.get(LANG_ENV, "zh").lower().startswith("en") else "zh"


def tr(zh: str, en: str) -> str:
    """The Chinese or English text, in the language of the command line."""
    return zh if lang() == "zh" else en


def new_parser(**kwargs: Any) -> argparse.ArgumentParser:
    """An argument parser speaking the command line's language (argparse's own words too)."""
    return (ChineseArgumentParser if lang() == "zh" else argparse.ArgumentParser)(**kwargs)


def common_options() -> argparse.ArgumentParser:
    parent = new_parser(add_help=False)
    parent.add_argument("--data-dir", type=Path, default=None,
                        help=tr("办公室数据文件夹（默认：本用户的数据文件夹，或 $ANHUI_COLLECT_HOME）",
                                "office data folder (default: per-user data dir, or $ANHUI_COLLECT_HOME)"))
    parent.add_argument("--user", default=None,
                        help=tr("以哪位用户的身份操作（默认：第一位管理员）", "who is working (default: the first admin)"))
    return parent


def data_dir(args: argparse.Namespace) -> Path:
    return args.data_dir if args.data_dir is not None else default_data_dir()


# What each secret's variable holds, as a message names it.
_SECRETS = {PASSPHRASE_ENV: ("口令", "A passphrase"), NEW_PASSPHRASE_ENV: ("新口令", "A new passphrase"),
            RECOVERY_KEY_ENV: ("恢复密钥", "The recovery key")}


def read_passphrase(prompt: str, env: str = PASSPHRASE_ENV, confirm: bool = False) -> str:
    """From the environment (automation) or a hidden prompt (people)."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        zh, en = _SECRETS[env]
        raise InvalidInput(
            f"需要{zh}：请在终端中运行（会提示输入），或设置环境变量 {env}。",
            f"{en} is needed: run in a terminal (you will be asked), or set {env}.",
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


MAX_RECORD_FILE = 8 * 1024 * 1024  # twice the largest record: a bigger file is no record
_OS_ERRORS_ZH = {errno.ENOENT: "文件不存在", errno.EISDIR: "这是一个文件夹，不是文件",
                 errno.EACCES: "没有权限读取", errno.EPERM: "没有权限读取"}


def read_json_file(path: str) -> Any:
    """Parse a record file, with a clear message for a missing, binary, huge or broken file."""
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_RECORD_FILE + 1)
        else:
            with open(path, "rb") as f:  # read no more than a record can be (/dev/zero ends)
                raw = f.read(MAX_RECORD_FILE + 1)
    except OSError as exc:
        why = _OS_ERRORS_ZH.get(exc.errno or 0, exc.strerror or str(exc))
        raise InvalidInput(f"无法读取文件 {path}：{why}", f"Cannot read {path}: {exc.strerror}") from exc
    if len(raw) > MAX_RECORD_FILE:
        raise InvalidInput(f"文件 {path} 太大（超过 8 MB），不是一条记录。",
                           f"{path} is too large (over 8 MB) to be one record.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"文件 {path} 不是 UTF-8 编码的文本。", f"{path} is not UTF-8 text.") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"文件 {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列有误。",
                           f"{path} is not valid JSON: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # digits beyond Python's limit, nesting too deep
        raise InvalidInput(f"文件 {path} 不是可用的记录：数字过长或层次嵌套过深。",
                           f"{path} is not a usable record: a number too long or nesting too deep.") from exc


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    return pad_to(text, width)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def say(zh: str, en: str) -> None:
    print(zh if lang() == "zh" else en)
