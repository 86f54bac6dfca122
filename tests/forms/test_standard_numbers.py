"""Standard numbers as printed in catalogues, notices and PDFs: normal form and level, and the
look-alikes that are not standard numbers.

Most spellings on the left are copied from public documents (a provincial government's
notice, standard catalogues and platform listings, reports and code that cite standards); the
rest are the same numbers with the look-alikes offices paste: em dashes, full-width and
division slashes, spaces around the slash, the slash or the space left out, lower case, and
the numeral 一 typed for a dash. The level decides the 省级及以上 target: a province's local
standard (DB34/T, DB31/T, JJF(皖)) counts, a city's (DB3401/T, DB4403/T) does not.
"""

from __future__ import annotations

import pytest

from forms.standard_numbers import LEVELS
from forms.validators import (
    CODE_VALIDATORS,
    InvalidValue,
    normalize_standard_number,
    parse_standard_number,
    standard_level,
)

NATIONAL, INDUSTRY, LOCAL, CITY = "national", "industry", "local", "city_local"
GROUP, ENTERPRISE, INTERNATIONAL = "group", "enterprise", "international"

AS_PRINTED = [
    # -- national standards: GB, GB/T, GB/Z, GBZ (occupational health) -------------------
    ("GB/T 15776—2016", "GB/T 15776-2016", NATIONAL),  # em dash, as the standard prints it
    ("GB / T 15776—2016", "GB/T 15776-2016", NATIONAL),  # a provincial notice's table
    ("GB／T 15776－2016", "GB/T 15776-2016", NATIONAL),  # full-width slash and hyphen-minus
    ("GB∕T 15776‑2016", "GB/T 15776-2016", NATIONAL),  # division slash, non-breaking hyphen
    ("GB/T  15776 – 2016", "GB/T 15776-2016", NATIONAL),  # en dash with spaces
    ("gb/t15776-2016", "GB/T 15776-2016", NATIONAL),  # lower case, no space
    ("GBT 30582-2014", "GB/T 30582-2014", NATIONAL),  # slash left out (file names)
    ("gbt31962一2015", "GB/T 31962-2015", NATIONAL),  # 一 typed for the dash
    ("GB50014-2021", "GB 50014-2021", NATIONAL),  # 《室外排水设计标准》, no space
    ("GB 50174—2017", "GB 50174-2017", NATIONAL),
    ("GB 4943.1-2022", "GB 4943.1-2022", NATIONAL),  # part number
    ("GB/T 1.1-2020", "GB/T 1.1-2020", NATIONAL),
    ("GB/T 20014.12-2013", "GB/T 20014.12-2013", NATIONAL),
    ("GB 3100-93", "GB 3100-93", NATIONAL),  # two-digit year of a standard before 2000
    ("GB/Z 40637—2021", "GB/Z 40637-2021", NATIONAL),  # guidance technical document
    ("GB/Z 43946-2024", "GB/Z 43946-2024", NATIONAL),
    ("GBZ 2.1-2019", "GBZ 2.1-2019", NATIONAL),  # national occupational health standard
    ("GBZ/T 160.1-2004", "GBZ/T 160.1-2004", NATIONAL),
    # -- national metrology specifications and regulations, and a province's own ---------
    ("JJF 1059.1-2012", "JJF 1059.1-2012", NATIONAL),
    ("JJG 1071-2019", "JJG 1071-2019", NATIONAL),
    ("JJF 1001—2011", "JJF 1001-2011", NATIONAL),
    ("JJG(冀)121—2015", "JJG(冀) 121-2015", LOCAL),  # Hebei's verification regulation
    ("JJF（皖） 123-2021", "JJF(皖) 123-2021", LOCAL),  # full-width brackets
    # -- industry standards ---------------------------------------------------------------
    ("SJ/T 11364-2014", "SJ/T 11364-2014", INDUSTRY),
    ("SJ/T 11805-2022", "SJ/T 11805-2022", INDUSTRY),
    ("YD/T 5235—2019", "YD/T 5235-2019", INDUSTRY),
    ("YD/T 2701-2014", "YD/T 2701-2014", INDUSTRY),
    ("JB/T 10764-2023", "JB/T 10764-2023", INDUSTRY),
    ("JB/T 13562-2018", "JB/T 13562-2018", INDUSTRY),
    ("HG/T 3934-2007", "HG/T 3934-2007", INDUSTRY),
    ("HJ 25.1-2019", "HJ 25.1-2019", INDUSTRY),  # mandatory industry standard
    ("LY / T 1960—2017", "LY/T 1960-2017", INDUSTRY),  # spaces around the slash
    ("SYT 6891.1-2012", "SY/T 6891.1-2012", INDUSTRY),  # slash left out
    ("CJJ/T 123-2020", "CJJ/T 123-2020", INDUSTRY),  # a three-letter code
    ("NB/T 10097-2018", "NB/T 10097-2018", INDUSTRY),
    ("DB/T 12-2020", "DB/T 12-2020", INDUSTRY),  # DB without an area code: earthquake sector
    # -- local standards of provinces (Anhui and others) --------------------------------
    ("DB34/T 1234-2020", "DB34/T 1234-2020", LOCAL),
    ("DB34／T 4280-2022", "DB34/T 4280-2022", LOCAL),  # full-width slash
    ("DB34/T5175-2025", "DB34/T 5175-2025", LOCAL),  # no space
    ("DB34/T 3345-2019", "DB34/T 3345-2019", LOCAL),
    ("DB34/ 1234-2020", "DB34/ 1234-2020", LOCAL),  # mandatory local standard keeps its slash
    ("DB34T 2318-2015", "DB34/T 2318-2015", LOCAL),  # slash left out
    ("DB 15 / T 389—2021", "DB15/T 389-2021", LOCAL),  # Inner Mongolia, as a notice printed it
    ("DB31/T 1505—2024", "DB31/T 1505-2024", LOCAL),  # Shanghai
    ("DB31/T 444-2022", "DB31/T 444-2022", LOCAL),
    ("DB53/T 1422.1-2025", "DB53/T 1422.1-2025", LOCAL),  # Yunnan, part number
    ("DB35/T 1823-2019", "DB35/T 1823-2019", LOCAL),  # Fujian
    # -- local standards of cities: not provincial or higher ------------------------------
    ("DB3401/T 1234-2020", "DB3401/T 1234-2020", CITY),  # Hefei
    ("DB3301/T 0322.3-2020", "DB3301/T 0322.3-2020", CITY),  # Hangzhou
    ("DB4403/T 489—2024", "DB4403/T 489-2024", CITY),  # Shenzhen
    ("DB4403/T 551.2-2024", "DB4403/T 551.2-2024", CITY),
    # -- group and enterprise standards ---------------------------------------------------
    ("T/CESA 1169-2021", "T/CESA 1169-2021", GROUP),
    ("T/CESA 1270.3—2023", "T/CESA 1270.3-2023", GROUP),
    ("T/CSAE 53-2020", "T/CSAE 53-2020", GROUP),
    ("T/SSITS 2003—2023", "T/SSITS 2003-2023", GROUP),
    ("T/CSTEA 0001-2021", "T/CSTEA 0001-2021", GROUP),
    ("Q／SY 05676.1-2020", "Q/SY 05676.1-2020", ENTERPRISE),
    ("Q/GDW 1234-2014", "Q/GDW 1234-2014", ENTERPRISE),
    # -- international standards ----------------------------------------------------------
    ("ISO/IEC 27001:2022", "ISO/IEC 27001:2022", INTERNATIONAL),
    ("ISO/IEC 23837-1:2023", "ISO/IEC 23837-1:2023", INTERNATIONAL),
    ("ISO 9001:2015", "ISO 9001:2015", INTERNATIONAL),
    ("IEC 61508-1:2010", "IEC 61508-1:2010", INTERNATIONAL),
    ("ISO/IEC TR 24028:2020", "ISO/IEC TR 24028:2020", INTERNATIONAL),
    ("ISO/IEC/IEEE 29119-1:2022", "ISO/IEC/IEEE 29119-1:2022", INTERNATIONAL),
    ("ITU-T Y.3172 (06/2019)", "ITU-T Y.3172 (06/2019)", INTERNATIONAL),
]

NOT_STANDARD_NUMBERS = [
    "GB/T 15776",  # no year: not one edition of a standard
    "GB/T 15776-16",  # two-digit year 1916, before any standard
    "GB/T 1-1800",  # implausible year
    "GB/T 15776-2099",  # a year far ahead: no standard is numbered for it yet
    "GB/T-15776-2016",  # a dash where the space goes
    "GB/T 15776_2016",  # underscore for the dash
    "GB/T 15776---2016",  # a run of dashes
    "GB\\T 15776-2016",  # backslash for the slash
    "GB/TT 1234-2020",
    "GB/T 15776-2016《造林技术规程》",  # title pasted along
    "XX 1234-2020",  # unknown prefix
    "ABC/T 1234-2020",  # not a registered industry code
    "DB3/T 12-2020",  # area code of one digit
    "DB99/T 1234-2020",  # no province has area code 99
    "DB3400/T 12-2020",  # a city code 00 is the province itself
    "JJF(港) 123-2021",  # not a province's one-character name
    "T/ 0001-2021",  # group standard without an organisation
    "Q/ 123-2020",  # enterprise standard without an enterprise
    "IS0 9001:2015",  # zero for the letter O
    "ISO 9001:15",  # two-digit year after the colon
    "ISO",
    "皖科基秘〔2024〕123号",  # a document number, not a standard
    "",
    "   ",
]


@pytest.mark.parametrize(("printed", "normal", "level"), AS_PRINTED)
def test_a_standard_number_as_printed_has_one_normal_form_and_level(
    printed: str, normal: str, level: str
) -> None:
    assert normalize_standard_number(printed) == normal
    assert standard_level(printed) == level
    # The normal form is a fixed point: normalising it again changes nothing.
    assert normalize_standard_number(normal) == normal
    assert CODE_VALIDATORS["standard_number"](printed, None) == normal


@pytest.mark.parametrize("printed", NOT_STANDARD_NUMBERS)
def test_look_alikes_are_refused_with_a_message(printed: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        CODE_VALIDATORS["standard_number"](printed, None)
    assert exc.value.message_zh and exc.value.message_en


def test_the_table_covers_every_class_and_level() -> None:
    assert len(AS_PRINTED) >= 40
    assert {level for _, _, level in AS_PRINTED} == set(LEVELS)
    prefixes = {
        parse_standard_number(p).prefix.split("/")[0].split("(")[0] for p, _, _ in AS_PRINTED
    }
    assert {
        "GB",
        "GBZ",
        "JJF",
        "JJG",
        "SJ",
        "YD",
        "JB",
        "DB34",
        "DB31",
        "DB3401",
        "ISO",
        "IEC",
    } <= prefixes
    printed = "".join(p for p, _, _ in AS_PRINTED)
    for look_alike in "—－‑∕／一–":
        assert look_alike in printed


def test_standard_number_parts() -> None:
    parsed = parse_standard_number("ISO/IEC 23837-1:2023")
    assert (parsed.prefix, parsed.code, parsed.year) == ("ISO/IEC", "23837-1", 2023)
    parsed = parse_standard_number("GB/T 20014.12—2013")
    assert (parsed.prefix, parsed.code, parsed.year) == ("GB/T", "20014.12", 2013)
    assert parse_standard_number("GB 3100-93").year == 1993
    parsed = parse_standard_number("DB3401/T 1234-2020")
    assert (parsed.prefix, parsed.level) == ("DB3401/T", "city_local")
