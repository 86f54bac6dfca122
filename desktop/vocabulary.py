"""The words the office app shows for its codes, in Chinese and English, defined once.

Record statuses, user roles, the steps of a sync and the names of the languages appear in
the desktop app and on the command line alike; both take them from here, so a clerk who
reads "已定稿" in a list reads the same word in a terminal. Labels of forms, fields, choices
and sectors are form data (``forms/``); sentences that belong to one screen stay with it.
"""

from __future__ import annotations

Words = tuple[str, str]  # (Chinese, English)

STATUSES: dict[str, Words] = {
    "draft": ("草稿", "Draft"),
    "final": ("已定稿", "Final"),
    "queued": ("待同步", "Queued"),
    "synced": ("已同步", "Synced"),
    "returned": ("已退回", "Returned"),
}

ROLES: dict[str, Words] = {
    "admin": ("管理员", "Administrator"),
    "clerk": ("填报员", "Clerk"),
}

SYNC_STEPS: dict[str, Words] = {
    "config": ("正在连接省级端点", "Connecting to the province"),
    "key_rotation": ("正在更换设备密钥", "Changing the device key"),
    "uploading": ("正在上传附件", "Uploading attachments"),
    "batch_built": ("正在打包批次", "Packing a batch"),
    "sending": ("正在发送", "Sending"),
    "receipt_received": ("已收到回执", "Receipt received"),
    "receipt_saved": ("回执已保存", "Receipt kept"),
    "recovering": ("正在与省里核对批次序号", "Realigning batch numbers with the province"),
    "pulling": ("正在获取更新", "Fetching updates"),
    "updates_applied": ("更新已应用", "Updates applied"),
    "chain_head": ("正在取得省里对已收数据的签名确认", "Getting the province's confirmation of what it holds"),
    "done": ("完成", "Done"),
}

# Each language named in itself, as a language chooser shows it.
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}


def word(table: dict[str, Words], code: str | None, lang: str = "zh") -> str:
    """The word for ``code`` in ``lang`` ("zh" or "en"); the code itself when it has none."""
    words = table.get(code or "")
    if words is None:
        return code or ""
    return words[1] if lang == "en" else words[0]
