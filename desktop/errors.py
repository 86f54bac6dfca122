"""Errors the office app reports to people.

Each carries a message a park-office clerk can act on, in Chinese and English; the CLI
prints it and exits non-zero, the GUI shows it in a dialog. Anything else is a bug.
"""

from __future__ import annotations


class OfficeError(Exception):
    """An expected failure with a message for the user."""

    exit_code = 1

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en


class WrongPassphrase(OfficeError):
    exit_code = 2

    def __init__(self, user: str) -> None:
        who_zh, who_en = (f"用户“{user}”的", f" for user '{user}'") if user else ("", "")
        super().__init__(
            f"{who_zh}口令不正确，数据库未被改动。",
            f"Wrong passphrase{who_en}. The database was not changed.",
        )


class NotInitialised(OfficeError):
    def __init__(self, data_dir: str) -> None:
        super().__init__(
            f"{data_dir} 中还没有办公室数据库，请先运行 init。",
            f"No office database in {data_dir}; run 'init' first.",
        )


class AlreadyInitialised(OfficeError):
    def __init__(self, data_dir: str) -> None:
        super().__init__(
            f"{data_dir} 中已经有办公室数据库，不会覆盖。",
            f"{data_dir} already holds an office database; it will not be overwritten.",
        )


class UnknownUser(OfficeError):
    def __init__(self, user: str) -> None:
        super().__init__(f"没有名为“{user}”的可登录用户：名字不对，或已被管理员停用。",
                         f"There is no user named '{user}' who can sign in: the name is wrong, or an administrator disabled them.")


class PermissionDenied(OfficeError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"只有管理员可以{what_zh}。", f"Only an admin may {what_en}.")


class StoreDamaged(OfficeError):
    """The database file is damaged; every command but ``check`` points to ``check``."""

    exit_code = 3

    def __init__(self, detail_zh: str, detail_en: str) -> None:
        super().__init__(
            f"数据库已损坏：{detail_zh}。请运行 anhui-collect check 查看详情，并从备份恢复数据库。",
            f"The database is damaged: {detail_en}. Run 'anhui-collect check' for details, and restore the database from a backup.",
        )
        self.detail_zh = detail_zh
        self.detail_en = detail_en


class KeyFileDamaged(OfficeError):
    """``keyslots.json`` is damaged (never reported as a wrong passphrase); the message says
    what still works: a backup of the file, the recovery key, an admin resetting a slot.

    ``recovery_helps`` says the recovery key can set a new passphrase; the command line and
    the desktop app each add where their way of doing so is (a command, a button).
    """

    exit_code = 3

    def __init__(self, message_zh: str, message_en: str, *, recovery_helps: bool = False) -> None:
        super().__init__(message_zh, message_en)
        self.recovery_helps = recovery_helps


class StoreBusy(OfficeError):
    def __init__(self) -> None:
        super().__init__(
            "数据库正被另一个程序使用，请稍后再试。",
            "The database is in use by another program; try again in a moment.",
        )


class DiskFull(OfficeError):
    def __init__(self) -> None:
        super().__init__(
            "磁盘空间不足，未保存。已保存的数据完好。",
            "The disk is full; nothing was saved. Data saved earlier is intact.",
        )


class InvalidInput(OfficeError):
    pass


class WorkCancelled(OfficeError):
    """The clerk cancelled a long piece of work; what was done before is kept."""

    def __init__(self) -> None:
        super().__init__("已取消。", "Cancelled.")
