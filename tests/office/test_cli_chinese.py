"""The office command line speaks Chinese: argparse's own usage, headings and errors, and a
help line for every command and option."""

from __future__ import annotations

import argparse
import gettext
import re
from collections.abc import Iterator

import pytest

from desktop.cli.main import build_parser, main

ENGLISH_ARGPARSE = ("usage:", "invalid choice", "the following arguments are required", "unrecognized arguments",
                    "error:", "options:", "positional arguments", "show this help", "expected one argument")
CJK = re.compile(r"[\u4e00-\u9fff]")


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from parsers(child)


@pytest.mark.parametrize("args", [
    ["nosuch"],                                  # invalid choice
    ["user", "add", "李四"],                      # a required option missing
    ["record", "list", "--bogus"],               # unrecognized arguments
    ["record", "show"],                          # a required positional missing
    ["record", "add", "--form"],                 # an option without its value
    ["user", "add", "李四", "--role", "boss"],    # not one of the choices
])
def test_argparse_mistakes_are_told_in_chinese(args, capsys, monkeypatch):
    monkeypatch.delenv("ANHUI_COLLECT_LANG", raising=False)
    with pytest.raises(SystemExit) as stopped:
        main(args)
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "用法：anhui-collect" in err and "错误：" in err, err
    assert not any(english in err for english in ENGLISH_ARGPARSE), err
    # Nothing else in the process speaks argparse's Chinese afterwards.
    assert argparse._ is gettext.gettext  # type: ignore[attr-defined]


def test_every_command_and_option_has_a_chinese_help_line(monkeypatch):
    monkeypatch.delenv("ANHUI_COLLECT_LANG", raising=False)
    for parser in parsers(build_parser()):
        text = parser.format_help()
        assert not any(english in text for english in ENGLISH_ARGPARSE), text
        assert "用法：" in text and "选项" in text
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue  # its commands carry the help lines
            assert action.help and CJK.search(action.help), (parser.prog, action.option_strings or action.dest)


def test_english_on_request(monkeypatch, capsys):
    monkeypatch.setenv("ANHUI_COLLECT_LANG", "en")
    with pytest.raises(SystemExit):
        main(["user", "add", "李四"])
    err = capsys.readouterr().err
    assert "usage:" in err and "the following arguments are required" in err


def test_help_lines_fit_the_terminal_a_chinese_character_taking_two_columns(monkeypatch):
    from forms.text import display_width

    monkeypatch.delenv("ANHUI_COLLECT_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "72")
    for parser in parsers(build_parser()):
        lines = parser.format_help().splitlines()
        # The usage block is argparse's layout (an option's choices are never split); its first
        # line, behind the six-column "用法：", fits.
        assert display_width(lines[0]) <= 72, lines[0]
        for line in lines[lines.index(""):]:
            assert display_width(line) <= 72 or " " not in line.strip(), (parser.prog, line)
