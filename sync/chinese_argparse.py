"""argparse that speaks Chinese: its usage line, headings and error messages.

Both command lines (the office's ``anhui-collect`` and the province's ``anhui-province``) are
read by people who work in Chinese. argparse builds every sentence of its own through
``gettext`` (the module-level ``_`` and ``ngettext`` of ``argparse``); a parser of this class
swaps those two for a lookup in the table below while it builds, parses or formats, and puts
them back afterwards, so nothing else in the process is affected. Messages the table does not
hold (a future Python's new sentence) stay in English rather than fail.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from forms.text import display_width

# Python 3.11's argparse sentences, as argparse spells them (the keys must match exactly).
CHINESE: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "subcommands": "子命令",
    "show this help message and exit": "显示本帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的值（应为 %(type)s）",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多只能给一个值",
    "expected at least one argument": "至少需要一个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "不接受值 %r",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有命令 %(parser_name)r（可用：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unexpected option string: %s": "不应出现的选项：%s",
}
# ngettext's sentences, singular and plural alike (Chinese has one form).
CHINESE_COUNTED: dict[str, str] = {
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
}
# Type names argparse quotes in "invalid ... value".
_TYPE_NAMES = {"int": "整数", "float": "数字"}


def _chinese(message: str) -> str:
    return CHINESE.get(message, message)


def _chinese_counted(singular: str, plural: str, n: int) -> str:
    return CHINESE_COUNTED.get(singular if n == 1 else plural, singular if n == 1 else plural)


@contextmanager
def _speaking_chinese() -> Iterator[None]:
    # argparse looks ``_`` and ``ngettext`` up in its module globals each time it builds a
    # sentence; a nested parser (a subcommand) re-enters this and restores the same values.
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = _chinese  # type: ignore[attr-defined]
    argparse.ngettext = _chinese_counted  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def _in_chinese(method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> Any:
        with _speaking_chinese():
            return method(self, *args, **kwargs)

    wrapped.__doc__ = method.__doc__
    wrapped.__name__ = method.__name__
    return wrapped


# A run of characters that is not a space and not wide (a word, a code, an option) stays
# whole; each wide character may end a line.
_TOKENS = re.compile(r"\s+|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|.")


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns, a Chinese character counting
    two (argparse's own wrapping counts characters, so Chinese help ran off the screen)."""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = display_width(token)
        if line.strip() and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with lines wrapped by display width."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any) -> str:
        # argparse measures the "用法：" prefix in characters; it takes twice as many columns.
        extra = display_width(CHINESE["usage: "]) - len(CHINESE["usage: "])
        self._width -= extra
        try:
            return super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose own words (usage, headings, errors) are Chinese.

    Subcommand parsers made with ``add_subparsers`` are of the same class, so a whole command
    line speaks one language. The help lines of commands and options are the caller's to write.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with _speaking_chinese():
            super().__init__(*args, **kwargs)

    parse_args = _in_chinese(argparse.ArgumentParser.parse_args)
    parse_known_args = _in_chinese(argparse.ArgumentParser.parse_known_args)
    format_usage = _in_chinese(argparse.ArgumentParser.format_usage)
    add_subparsers = _in_chinese(argparse.ArgumentParser.add_subparsers)

    def format_help(self) -> str:
        """The help text, its section headings ending in a full-width colon ("选项：")."""
        with _speaking_chinese():
            text = super().format_help()
        # argparse puts an ASCII colon after each heading, a line of its own.
        headings = {group.title for group in self._action_groups if group.title}
        return "\n".join(line[:-1] + "：" if line.endswith(":") and line[:-1] in headings else line
                         for line in text.split("\n"))

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message in Chinese, and exit with status 2."""
        for english, chinese in _TYPE_NAMES.items():
            message = message.replace(f"（应为 {english}）", f"（应为{chinese}）")
        with _speaking_chinese():
            super().error(message)

