"""``anhui-collect``: the office app. No arguments opens the GUI; subcommands do the rest."""

from desktop.cli.main import main

__all__ = ["main"]
