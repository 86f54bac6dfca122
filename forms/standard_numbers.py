"""Standard numbers (标准编号): normalisation, parsing and the level a prefix implies.

Numbers are copied from printed standards, catalogues, PDFs and notices, so they arrive with
em dashes (``GB/T 15776—2016``), full-width or division slashes (``DB34／T``), spaces around
the slash (``DB 15 / T 389—2021``), no space at all (``GB50014-2021``), the slash left out
(``GBT 30582-2014``) and lower case. They are normalised to the form the standard itself
prints (``GB/T 15776-2016``), and the level follows from the prefix, which is what decides
whether a standard counts toward the plan's 省级及以上 target: a province's local standard
(``DB34/T``) does, a city's (``DB3401/T``) does not.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from forms.text import strip_invisible

LEVELS = ("international", "national", "industry", "local", "city_local", "group", "enterprise")

# Industry-standard codes (行业标准代号) registered with the Standardization Administration.
# "DB" alone is the earthquake sector's code; "DB" followed by an area code is a local standard.
# fmt: off
INDUSTRY_PREFIXES = frozenset({
    "AQ", "BB", "CB", "CH", "CJ", "CJJ", "CY", "DA", "DB", "DL", "DZ", "EJ", "FZ", "GA",
    "GH", "GM", "GY", "HB", "HG", "HJ", "HS", "HY", "JB", "JC", "JG", "JGJ", "JR", "JT", "JY",
    "LB", "LD", "LS", "LY", "MH", "MT", "MZ", "NB", "NY", "QB", "QC", "QJ", "QX", "RB", "SB",
    "SC", "SF", "SH", "SJ", "SL", "SN", "SW", "SY", "TB", "TD", "TY", "WB", "WH", "WJ", "WM",
    "WS", "WW", "XB", "XF", "YB", "YC", "YD", "YJ", "YS", "YY", "YZ",
})
# Province-level area codes of GB/T 2260: a local standard's DBxx names one of them.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
})
# One-character names of the provinces, as local metrology specifications print them: JJF(皖).
PROVINCE_ABBREVIATIONS = frozenset("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵黔云滇藏陕甘青宁新")
# fmt: on

# International bodies whose standards count as international (国际标准). IEEE appears only
# in joint numbers with ISO/IEC, which is how its standards are adopted internationally.
_INTERNATIONAL_PREFIX = r"ISO/IEC/IEEE|ISO/IEC (?:TS|TR)|ISO/IEC|ISO/(?:TS|TR|PAS|ASTM)|IEC/IEEE|IEC/(?:TS|TR|PAS)|ISO|IEC"

# Dash look-alikes (hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar,
# minus, small and full-width hyphen-minus) and slash look-alikes (fraction, division and
# full-width slash, big solidus) found in PDFs and word-processor documents.
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_SLASHES = re.compile("[\u2044\u2215\u29f8\uff0f]")
# "一" (the numeral one) typed or OCR'd for a dash, only where a dash belongs: between the
# code's last digit and a four-digit year.
_ONE_AS_DASH = re.compile(r"(?<=\d)一(?=\d{4}$)")
_CODE = r"\d+(?:\.\d+)*"
_YEAR = r"\d{4}|\d{2}"

_NATIONAL = re.compile(rf"^(GB(?:/[TZ]|T)?|GBZ(?:/T)?|GBJ) ?({_CODE})-({_YEAR})$")
_METROLOGY = re.compile(rf"^(JJ[FG])(?:\((.)\))? ?({_CODE})-({_YEAR})$")
_LOCAL = re.compile(rf"^DB ?(\d{{2}})(\d{{2}})?(/T|/Z|/|T)? ?({_CODE})-({_YEAR})$")
_GROUP = re.compile(rf"^T/([A-Z][A-Z0-9]{{1,15}}) ?({_CODE})-({_YEAR})$")
_ENTERPRISE = re.compile(rf"^Q/([A-Z][A-Z0-9]{{0,19}}) ?([A-Z0-9.]*\d)-({_YEAR})$")
_INDUSTRY = re.compile(rf"^([A-Z]{{2,3}}?)(/[TZ]|T)? ?({_CODE})-({_YEAR})$")
_INTERNATIONAL = re.compile(rf"^({_INTERNATIONAL_PREFIX}) ?(\d+(?:-\d+)*)(?::(\d{{4}}))?$")
_ITU = re.compile(r"^ITU-([TRD]) ?([A-Z])\.(\d+(?:\.\d+)*)(?: ?\((\d{2})/(\d{4})\))?$")

MAX_LENGTH = 60


class StandardNumberError(ValueError):
    """A standard number that cannot be parsed; ``code`` says why."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class StandardNumber:
    """A parsed standard number: ``text`` is the normalised form, ``level`` one of LEVELS."""

    text: str
    prefix: str
    code: str
    year: int | None
    level: str

    def __str__(self) -> str:
        return self.text


def _tidy(value: str) -> str:
    text = unicodedata.normalize("NFKC", strip_invisible(value)).strip()
    text = _SLASHES.sub("/", _DASHES.sub("-", text)).upper()
    text = _ONE_AS_DASH.sub("-", text)
    # Spaces around separators are noise ("GB / T 15776 - 2016"); the one space between
    # prefix and code is put back by the parser below.
    text = re.sub(r"\s*([/\-:.()])\s*", r"\1", text)
    return re.sub(r"\s+", " ", text)


def _full_year(text: str) -> int:
    year = int(text)
    # Two-digit years appear on standards from before 2000 ("GB 3100-93").
    return year + 1900 if len(text) == 2 else year


def parse_standard_number(value: str) -> StandardNumber:
    """Parse a standard number as printed; raise :class:`StandardNumberError` if it is not one.

    >>> parse_standard_number("GB/T 15776—2016").text
    'GB/T 15776-2016'
    """
    if not isinstance(value, str):
        raise StandardNumberError("type", "标准编号应为文本。", "A standard number must be text.")
    if len(value) > MAX_LENGTH * 4:
        raise StandardNumberError("too_long", "标准编号过长。", "The standard number is too long.")
    text = _tidy(value)
    if not text:
        raise StandardNumberError("required", "标准编号为空。", "The standard number is empty.")
    parsed = _parse(text)
    if parsed is None:
        raise StandardNumberError(
            "standard_number",
            f"“{text[:MAX_LENGTH]}”不是可识别的标准编号，应形如 GB/T 15776-2016、DB34/T 1234-2020、"
            "T/CSTEA 0001-2021 或 ISO/IEC 23837-1:2023。",
            f"'{text[:MAX_LENGTH]}' is not a recognised standard number; expected e.g. "
            "GB/T 15776-2016, DB34/T 1234-2020, T/CSTEA 0001-2021 or ISO/IEC 23837-1:2023.",
        )
    # A standard approved late in a year may carry the next year's number; none carries a
    # year further ahead.
    if parsed.year is not None and not 1950 <= parsed.year <= dt.date.today().year + 1:
        raise StandardNumberError(
            "standard_year",
            f"标准编号中的年代号 {parsed.year} 不合理。",
            f"The year {parsed.year} in the standard number is implausible.",
        )
    return parsed


def _slashed(prefix: str) -> str:
    return prefix[:-1] + "/T" if prefix.endswith("T") and not prefix.endswith("/T") else prefix


def _number(prefix: str, code: str, year: str, level: str) -> StandardNumber:
    return StandardNumber(f"{prefix} {code}-{year}", prefix, code, _full_year(year), level)


def _parse(text: str) -> StandardNumber | None:
    if m := _NATIONAL.match(text):
        # "GBT 30582-2014" is GB/T with the slash left out ("GBZ" is a prefix of its own).
        return _number(_slashed(m[1]), m[2], m[3], "national")
    if (m := _METROLOGY.match(text)) and (m[2] is None or m[2] in PROVINCE_ABBREVIATIONS):
        # National metrology specifications and regulations (JJF, JJG) are national; a
        # province's own, JJF(皖), are local.
        prefix = m[1] + (f"({m[2]})" if m[2] else "")
        return _number(prefix, m[3], m[4], "local" if m[2] else "national")
    if (m := _LOCAL.match(text)) and m[1] in PROVINCE_CODES and m[2] != "00":
        # A mandatory local standard prints as "DB34/ 1234-2020": the slash stays.
        prefix = f"DB{m[1]}{m[2] or ''}{_slashed(m[3] or '/')}"
        return _number(prefix, m[4], m[5], "city_local" if m[2] else "local")
    if m := _GROUP.match(text):
        return _number(f"T/{m[1]}", m[2], m[3], "group")
    if m := _ENTERPRISE.match(text):
        return _number(f"Q/{m[1]}", m[2], m[3], "enterprise")
    if (m := _INDUSTRY.match(text)) and m[1] in INDUSTRY_PREFIXES:
        # "SYT 6891.1-2012" is SY/T with the slash left out.
        return _number(m[1] + _slashed(m[2] or ""), m[3], m[4], "industry")
    if m := _INTERNATIONAL.match(text):
        year = int(m[3]) if m[3] else None
        tail = f":{m[3]}" if m[3] else ""
        return StandardNumber(f"{m[1]} {m[2]}{tail}", m[1], m[2], year, "international")
    if m := _ITU.match(text):
        prefix = f"ITU-{m[1]}"
        code = f"{m[2]}.{m[3]}"
        dated = f" ({m[4]}/{m[5]})" if m[5] else ""
        year = int(m[5]) if m[5] else None
        return StandardNumber(f"{prefix} {code}{dated}", prefix, code, year, "international")
    return None


def normalize_standard_number(value: str) -> str:
    """The normalised text of a standard number (raises :class:`StandardNumberError`)."""
    return parse_standard_number(value).text


def standard_level(value: str) -> str:
    """The level a standard number's prefix implies: one of :data:`LEVELS`."""
    return parse_standard_number(value).level
