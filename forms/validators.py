"""Standalone validators for the codes, numbers and dates the forms collect.

Each validator takes what a user typed (or a JSON value), normalises it and returns the
canonical value, or raises :class:`InvalidValue` carrying a problem code and a Chinese and
English message. They need no registry, so the CLI, the GUI and the province's endpoint can
call them directly; the engine reaches them by name through :data:`CODE_VALIDATORS`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.standard_numbers import (
    LEVELS as STANDARD_LEVELS,
)
from forms.standard_numbers import (
    StandardNumber,
    StandardNumberError,
    normalize_standard_number,
    parse_standard_number,
    standard_level,
)
from forms.text import compact_code, fold_width

__all__ = [
    "CODE_VALIDATORS",
    "EXCHANGES",
    "STANDARD_LEVELS",
    "InvalidValue",
    "StandardNumber",
    "normalize_standard_number",
    "parse_amount",
    "parse_date",
    "parse_standard_number",
    "parse_trl",
    "parse_year",
    "standard_level",
    "validate_hte_certificate",
    "validate_phone",
    "validate_record_id",
    "validate_standard_number",
    "validate_stock_code",
    "validate_uscc",
]

# Longest numeric text worth parsing; anything longer is not a number a person typed.
_MAX_NUMBER_TEXT = 40


class InvalidValue(ValueError):
    """A value a validator refuses: ``code`` names the problem, messages explain it."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


def _text(value: Any, what_zh: str, what_en: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue("type", f"{what_zh}应为文本。", f"{what_en} must be text.")
    if len(value) > 200:
        raise InvalidValue("too_long", f"{what_zh}过长。", f"{what_en} is too long.")
    return value


# -- unified social credit code ----------------------------------------------------------
def validate_uscc(value: Any) -> str:
    """Validate an 18-character unified social credit code (GB 32100-2015) incl. its check character."""
    # python-stdnum is loaded with the first credit code checked: a command that only reads
    # records (and the registry, to name their forms) does not pay for it at start-up.
    from stdnum.cn import uscc
    from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

    code = compact_code(_text(value, "统一社会信用代码", "The credit code")).replace("-", "")
    try:
        return str(uscc.validate(code))
    except InvalidLength:
        raise InvalidValue(
            "uscc_length",
            f"统一社会信用代码应为18位，当前为{len(code)}位。",
            f"A unified social credit code has 18 characters, not {len(code)}.",
        ) from None
    except InvalidChecksum:
        raise InvalidValue(
            "uscc_checksum",
            "统一社会信用代码校验位不正确，请对照营业执照核对。",
            "The check character of the credit code is wrong; compare it with the business licence.",
        ) from None
    except ValidationError:
        raise InvalidValue(
            "uscc_format",
            "统一社会信用代码格式不正确：前8位为数字，其余为数字或大写字母（不含I、O、Z、S、V）。",
            "The credit code is malformed: 8 digits, then digits or capitals other than I, O, Z, S, V.",
        ) from None


# -- standard numbers --------------------------------------------------------------------
def validate_standard_number(value: Any) -> str:
    """Normalise a standard number (``GB/T 15776—2016`` -> ``GB/T 15776-2016``)."""
    try:
        return normalize_standard_number(value)
    except StandardNumberError as exc:
        raise InvalidValue(exc.code, exc.message_zh, exc.message_en) from None


# -- stock codes -------------------------------------------------------------------------
EXCHANGES: dict[str, re.Pattern[str]] = {
    # Shanghai: main board 600/601/603/605, STAR market 688/689, B shares 900.
    "SSE": re.compile(r"^(?:60[0135]|68[89]|900)\d{3}$"),
    # Shenzhen: main board 000-004, ChiNext 300-302, B shares 200/201.
    "SZSE": re.compile(r"^(?:00[0-4]|30[0-2]|20[01])\d{3}$"),
    # Beijing: 43/83/87/88 (older codes) and 92 (codes issued since 2024).
    "BSE": re.compile(r"^(?:43|8[3-9]|92)\d{4}$"),
    "HKEX": re.compile(r"^\d{5}$"),
    "NASDAQ": re.compile(r"^[A-Z]{1,5}(?:\.[A-Z])?$"),
    "NYSE": re.compile(r"^[A-Z]{1,5}(?:\.[A-Z])?$"),
    "OTHER": re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,11}$"),
}
_EXCHANGE_NAMES = {
    "SSE": ("上海证券交易所", "Shanghai Stock Exchange"),
    "SZSE": ("深圳证券交易所", "Shenzhen Stock Exchange"),
    "BSE": ("北京证券交易所", "Beijing Stock Exchange"),
    "HKEX": ("香港联合交易所", "Hong Kong Stock Exchange"),
    "NASDAQ": ("纳斯达克", "NASDAQ"),
    "NYSE": ("纽约证券交易所", "New York Stock Exchange"),
    "OTHER": ("其他交易所", "another exchange"),
}
# Market suffixes and prefixes people add ("600000.SH", "sz000001", "0700.HK").
_MARKET_TAG = re.compile(r"^(?:SH|SS|SZ|BJ|HK)(?=\d)|\.(?:SH|SS|SZ|BJ|HK|O|N|OQ)$")


def validate_stock_code(value: Any, exchange: str | None = None) -> str:
    """Validate a stock code for ``exchange`` (SSE, SZSE, BSE, HKEX, NASDAQ, NYSE, OTHER).

    Market tags are dropped (``600000.SH`` -> ``600000``) and Hong Kong codes are padded to
    five digits. Without an exchange, any exchange's format is accepted.
    """
    code = compact_code(_text(value, "股票代码", "The stock code"))
    code = _MARKET_TAG.sub("", code)
    if not code:
        raise InvalidValue("required", "股票代码为空。", "The stock code is empty.")
    # Spreadsheets drop leading zeros ("000001" becomes 1), so short digit codes are padded.
    if exchange == "HKEX" and code.isdigit() and len(code) <= 5 and int(code) > 0:
        code = code.zfill(5)
    if exchange in ("SSE", "SZSE", "BSE") and code.isdigit() and len(code) < 6:
        code = code.zfill(6)
    if exchange in EXCHANGES:
        if EXCHANGES[exchange].match(code):
            return code
        zh, en = _EXCHANGE_NAMES[exchange]
        raise InvalidValue(
            "stock_code",
            f"“{code[:20]}”不是{zh}的股票代码。",
            f"'{code[:20]}' is not a stock code of the {en}.",
        )
    if any(p.match(code) for p in EXCHANGES.values()):
        return code
    raise InvalidValue("stock_code", "股票代码格式不正确。", "The stock code is malformed.")


# -- high-tech enterprise certificates ---------------------------------------------------
# Province-level codes of GB/T 2260; certificates carry the issuing province's code.
# fmt: off
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
})
# fmt: on
_HTE = re.compile(r"^GR(\d{4})(\d{2})(\d{6})$")


def validate_hte_certificate(value: Any, today: dt.date | None = None) -> str:
    """Validate a high-tech enterprise certificate number: ``GR`` + year + province + 6 digits.

    E.g. ``GR202334001234``: issued 2023 in Anhui (34). The year must lie between 2008 (when
    the present certification scheme began) and this year.
    """
    code = compact_code(_text(value, "高新技术企业证书编号", "The certificate number"))
    m = _HTE.match(code)
    if not m:
        raise InvalidValue(
            "hte_certificate",
            "高新技术企业证书编号应为 GR + 4位年份 + 2位省份代码 + 6位数字，如 GR202334001234。",
            "A high-tech enterprise certificate number is GR + year + province code + 6 digits, "
            "e.g. GR202334001234.",
        )
    year = int(m[1])
    this_year = (today or dt.date.today()).year
    if not 2008 <= year <= this_year:
        raise InvalidValue(
            "hte_certificate_year",
            f"证书编号中的年份 {year} 不合理。",
            f"The year {year} in the certificate number is implausible.",
        )
    if m[2] not in PROVINCE_CODES:
        raise InvalidValue(
            "hte_certificate_province",
            f"证书编号中的省份代码 {m[2]} 不存在。",
            f"The province code {m[2]} in the certificate number does not exist.",
        )
    return code


def hte_certificate_year(value: str) -> int | None:
    """The issue year encoded in a (valid) certificate number, or None."""
    m = _HTE.match(value) if isinstance(value, str) else None
    return int(m[1]) if m else None


# -- contact details and record ids ------------------------------------------------------
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")


def validate_phone(value: Any) -> str:
    """Validate a mainland mobile (11 digits) or landline (area code + number) phone number."""
    text = compact_code(_text(value, "电话号码", "The phone number"))
    text = re.sub(r"^(?:\+86|0086)", "", text).replace("(", "").replace(")", "-").strip("-")
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise InvalidValue(
        "phone",
        "电话号码格式不正确，应为11位手机号或“区号-号码”，如 0551-62345678。",
        "Give an 11-digit mobile number or area code and number, e.g. 0551-62345678.",
    )


_RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def validate_record_id(value: Any) -> str:
    """Validate the format of a record id (a UUID or similar token of up to 64 characters)."""
    text = fold_width(_text(value, "记录编号", "The record id"))
    if _RECORD_ID.match(text):
        return text
    raise InvalidValue("record_ref", "记录编号格式不正确。", "The record id is malformed.")


# -- dates, years, amounts, TRL ----------------------------------------------------------
_DATE_FORMS = (
    re.compile(
        r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any, *, min_year: int = 1900, max_year: int = 2100) -> str:
    """Parse a date (``2023-05-06``, ``2023/5/6``, ``2023年5月6日``, ``20230506``) to ISO form."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = fold_width(_text(value, "日期", "The date"))
        match = next((m for p in _DATE_FORMS if (m := p.match(text))), None)
        if match is None:
            raise InvalidValue(
                "date",
                "日期格式不正确，应为“年-月-日”，如 2024-09-30。",
                "Give the date as year-month-day, e.g. 2024-09-30.",
            )
        try:
            parsed = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise InvalidValue("date", "日期不存在。", "No such date.") from None
    if not min_year <= parsed.year <= max_year:
        raise InvalidValue(
            "date",
            f"日期应在{min_year}年至{max_year}年之间。",
            f"The date must fall between {min_year} and {max_year}.",
        )
    return parsed.isoformat()


def _number(value: Any, what_zh: str, what_en: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue("type", f"{what_zh}应为数字。", f"{what_en} must be a number.")
    if isinstance(value, int):
        if abs(value) > 10**15:
            raise InvalidValue("max", f"{what_zh}过大。", f"{what_en} is too large.")
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(
                "type", f"{what_zh}应为有限数字。", f"{what_en} must be a finite number."
            )
        return Decimal(repr(value))
    if isinstance(value, str):
        text = fold_width(value[: _MAX_NUMBER_TEXT * 2]).replace(",", "").replace(" ", "")
        if len(value) > _MAX_NUMBER_TEXT * 2 or len(text) > _MAX_NUMBER_TEXT:
            raise InvalidValue(
                "type", f"{what_zh}过长，不是有效数字。", f"{what_en} is too long to be a number."
            )
        if not re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)", text):
            raise InvalidValue("type", f"{what_zh}应为数字。", f"{what_en} must be a number.")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern above rules this out
            raise InvalidValue(
                "type", f"{what_zh}应为数字。", f"{what_en} must be a number."
            ) from None
    raise InvalidValue("type", f"{what_zh}应为数字。", f"{what_en} must be a number.")


def parse_decimal(
    value: Any, *, decimals: int | None = None, what: tuple[str, str] = ("数值", "The value")
) -> int | float:
    """Parse a number (JSON number or text with thousands separators) to int or float.

    ``decimals`` bounds the places after the point; more is refused rather than rounded,
    since a silently rounded figure is a changed figure.
    """
    number = _number(value, *what)
    if abs(number) > Decimal(10) ** 15:
        raise InvalidValue("max", f"{what[0]}过大。", f"{what[1]} is too large.")
    # Trailing zeros are not precision a person asked for ("2.50", or 6.0 from a spreadsheet).
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals is not None and places > decimals:
        if decimals == 0:
            raise InvalidValue(
                "decimals", f"{what[0]}应为整数。", f"{what[1]} must be a whole number."
            )
        raise InvalidValue(
            "decimals",
            f"{what[0]}最多保留{decimals}位小数。",
            f"{what[1]} takes at most {decimals} decimal places.",
        )
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def parse_amount(value: Any, *, decimals: int = 4) -> int | float:
    """Parse a non-negative money amount in 万元 (four places: 1 元); a trailing 万元 is accepted."""
    if isinstance(value, str):
        value = re.sub(r"\s*万元?$", "", fold_width(value[:200]))
    amount = parse_decimal(value, decimals=decimals, what=("金额", "The amount"))
    if amount < 0:
        raise InvalidValue("min", "金额不能为负数。", "The amount cannot be negative.")
    return amount


def parse_year(value: Any, *, min_year: int = 1900, max_year: int = 2100) -> int:
    """Parse a year (``2023``, ``"2023年"``) within ``min_year``..``max_year``."""
    if isinstance(value, str):
        value = re.sub(r"年$", "", fold_width(value[:100]))
    year = parse_decimal(value, decimals=0, what=("年份", "The year"))
    if not isinstance(year, int) or not min_year <= year <= max_year:
        raise InvalidValue(
            "year",
            f"年份应在{min_year}至{max_year}之间。",
            f"The year must lie between {min_year} and {max_year}.",
        )
    return year


def parse_trl(value: Any) -> int:
    """Parse a technology readiness level 1-9 (``7``, ``"TRL 7"``, ``"7级"``)."""
    if isinstance(value, str):
        value = re.sub(r"^TRL|级$", "", compact_code(value[:100]))
    try:
        level = parse_decimal(value, decimals=0, what=("技术就绪度", "The readiness level"))
    except InvalidValue:
        level = -1
    if not isinstance(level, int) or not 1 <= level <= 9:
        raise InvalidValue(
            "trl",
            "技术就绪度应为1至9级的整数。",
            "The technology readiness level is a whole number from 1 to 9.",
        )
    return level


CodeValidator = Callable[[Any, Any], Any]

# Named validators a field's ``validator`` key may use. Each takes the value and an optional
# parameter (the value of the field named by ``validator_param``, e.g. the exchange).
CODE_VALIDATORS: dict[str, CodeValidator] = {
    "uscc": lambda value, _param: validate_uscc(value),
    "standard_number": lambda value, _param: validate_standard_number(value),
    "stock_code": lambda value, param: validate_stock_code(
        value, param if isinstance(param, str) else None
    ),
    "hte_certificate": lambda value, _param: validate_hte_certificate(value),
    "phone": lambda value, _param: validate_phone(value),
    "record_id": lambda value, _param: validate_record_id(value),
    "trl": lambda value, _param: parse_trl(value),
}
