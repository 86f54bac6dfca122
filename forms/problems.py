"""Problems and validation results, with the default messages in Chinese and English.

A problem names the spot (``credit_code``, ``members[2].name`` or "" for the whole record),
a stable code that programs can act on, and a message in each language that a clerk can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Default message of each problem code, as (Chinese, English) templates. A field's own
# ``messages`` override these; ``{min}``-style placeholders are filled from the field.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必须填写。", "is required."),
    "type": ("类型不正确。", "has the wrong type."),
    "not_object": ("记录内容必须是一个 JSON 对象。", "A record must be a JSON object."),
    "unknown_form": ("未知的表单。", "Unknown form."),
    "unknown_field": ("表单中没有此项，请删除。", "is not a field of this form; remove it."),
    "too_many_fields": ("记录包含过多字段。", "The record has far too many fields."),
    "not_relevant": (
        "根据其他填写内容，此项无需填写，已忽略。",
        "does not apply given the other answers and was dropped.",
    ),
    "too_long": (
        "内容过长，最多{max_length}个字符。",
        "is too long: at most {max_length} characters.",
    ),
    "too_short": (
        "内容过短，至少{min_length}个字符。",
        "is too short: at least {min_length} characters.",
    ),
    "control_chars": (
        "包含不可见的控制字符，已删除，请核对。",
        "contained invisible control characters, which were removed; please check.",
    ),
    "pattern": ("格式不正确。", "is not in the expected format."),
    "min": ("不能小于{min}。", "must be at least {min}."),
    "max": ("不能大于{max}。", "must be at most {max}."),
    "decimals": ("小数位数过多。", "has too many decimal places."),
    "date_min": ("不能早于{min}。", "cannot be before {min}."),
    "date_max": ("不能晚于{max}。", "cannot be after {max}."),
    "choice": ("不是有效选项。", "is not one of the options."),
    "retired_choice": (
        "所选项已停用，仍保留；新填报请改选现行选项。",
        "is a retired option; kept, but choose a current one for new entries.",
    ),
    "no_parent_choice": ("请先选择{parent}。", "needs {parent} chosen first."),
    "duplicate_choice": ("重复选择了同一项。", "lists the same option twice."),
    "too_few_items": ("至少填写{min_items}项。", "needs at least {min_items} entries."),
    "too_many_items": ("最多填写{max_items}项。", "takes at most {max_items} entries."),
    "item_not_object": ("每一项必须是一个对象。", "Each entry must be an object."),
    "duplicate": ("与已有记录重复：{other}。", "duplicates an existing record: {other:en}."),
    "similar": (
        "与已有记录相似：{other}，请确认不是同一对象。",
        "is similar to an existing record: {other:en}; make sure it is not the same.",
    ),
    "lookup_failed": (
        "暂时无法查重，保存后请复核。",
        "Duplicates could not be checked; review after saving.",
    ),
    "ref_not_found": ("所引用的记录不存在。", "refers to a record that does not exist."),
    "attachment": ("附件信息不正确。", "names an attachment wrongly."),
    "duplicate_attachment": ("同一文件附加了两次。", "names the same file twice."),
    "attachment_not_stored": (
        "附件“{name}”不在本机存储中，请用“附加文件”重新附加。",
        "names the file '{name}', which this office does not hold; attach it again.",
    ),
    "too_many_problems": (
        "问题过多，仅列出前{count}项。",
        "Too many problems; only the first {count} are listed.",
    ),
    "rule": ("与其他填写内容不一致。", "is inconsistent with other answers."),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, params: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders of a message template; a malformed template is returned as is.

    Templates come from definition files the province publishes, so a stray brace must
    not turn into an exception while a record is being checked.
    """
    try:
        return template.format_map(_Blank(params))
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        return template


@dataclass(frozen=True)
class Problem:
    """One problem found in a record. ``severity`` is "error" (blocks) or "warning" (advises)."""

    path: str
    code: str
    message_zh: str
    message_en: str
    severity: str = "error"

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang``."""
        return self.message_en if lang == "en" else self.message_zh

    def to_json(self) -> dict[str, str]:
        """The problem as a plain dict (what the store and the wire carry)."""
        return {
            "path": self.path,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "severity": self.severity,
        }


@dataclass
class ValidationResult:
    """What validation returns: normalised ``data``, every ``problems`` found, and ``ok``."""

    form_id: str
    form_version: int | None
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings do not block)."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def for_path(self, path: str) -> list[Problem]:
        """Problems at ``path`` (for showing beside one widget)."""
        return [p for p in self.problems if p.path == path]

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON."""
        return {
            "form_id": self.form_id,
            "form_version": self.form_version,
            "ok": self.ok,
            "data": self.data,
            "problems": [p.to_json() for p in self.problems],
        }
