"""Argument parsing and dispatch for ``anhui-collect``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from desktop.cli import (
    exchange_commands,
    office_commands,
    period_commands,
    record_commands,
    sync_commands,
)
from desktop.cli.common import lang, new_parser, tr
from desktop.errors import KeyFileDamaged, OfficeError
from desktop.failures import user_error
from desktop.logs import log_unexpected

log = logging.getLogger("anhui_collect")


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        prog="anhui-collect",
        description=tr("安徽省未来产业数据采集（办公室端）。不带命令时打开桌面程序。",
                       "Anhui future-industry data collection, office app. Without a command it opens the desktop app."),
    )
    parser.add_argument("--self-test", action="store_true",
                        help=tr("不打开窗口检查本机安装是否完好，然后退出", "check this installation headless and exit"))
    sub = parser.add_subparsers(dest="command", metavar=tr("命令", "COMMAND"))
    office_commands.register(sub)
    record_commands.register(sub)
    record_commands.register_progress(sub)
    period_commands.register(sub)
    sync_commands.register(sub)
    exchange_commands.register(sub)
    exchange_commands.register_import(sub)
    return parser


def _is_text(arg: str) -> bool:
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _how(error: OfficeError) -> str:
    """What this command line offers where a message leaves the way to the person."""
    if isinstance(error, KeyFileDamaged) and error.recovery_helps:
        return tr("设置新口令的命令：anhui-collect user passwd 用户名 --recovery",
                  " The command that does it: anhui-collect user passwd NAME --recovery")
    return ""


def _has_display() -> bool:
    """Whether a window can be shown: always on Windows and macOS, on Linux with X11 or
    Wayland, or with a platform chosen explicitly (``QT_QPA_PLATFORM``, e.g. offscreen)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--self-test"]:
        from desktop.selftest import run_self_test

        return run_self_test()
    if not argv:
        if not _has_display():
            # Qt would abort with its own English text about platform plugins.
            print("错误：没有图形界面（找不到显示器），无法打开桌面程序。请在桌面环境中运行 anhui-collect；"
                  "在终端里可以使用命令，例如 anhui-collect --help。", file=sys.stderr)
            return 2
        from desktop.gui.app import run_gui  # Qt is imported only when the GUI is wanted

        return run_gui()
    undecodable = next((a for a in argv if not _is_text(a)), None)
    if undecodable is not None:
        # Bytes the terminal could not decode (a name typed in another encoding): they would
        # end up in the store or a file name as garbage, so they are refused here, once.
        print("错误：命令行参数中有终端无法识别的字符（请使用 UTF-8 编码的终端）："
              + undecodable.encode("utf-8", "replace").decode("utf-8")[:40], file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except KeyboardInterrupt:
        print("已取消 / cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped early (`record list | head`): not an error of ours. Output goes
        # nowhere from now on, so flushing at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        known = user_error(exc)
        if known is not None:
            print(("错误：" if lang() == "zh" else "Error: ") + known.message(lang()) + _how(known), file=sys.stderr)
            return known.exit_code
        path = log_unexpected()
        print(
            f"出现意外错误，详情已写入日志 {path}。数据未丢失。"
            if lang() == "zh"
            else f"An unexpected error occurred; details are in {path}. No data was lost.",
            file=sys.stderr,
        )
        return 70
