"""Table tests of every standalone validator: real-world-shaped inputs, accepted and refused."""

from __future__ import annotations

import datetime as dt

import pytest

from forms.validators import (
    InvalidValue,
    parse_amount,
    parse_date,
    parse_decimal,
    parse_trl,
    parse_year,
    validate_hte_certificate,
    validate_phone,
    validate_record_id,
    validate_stock_code,
    validate_uscc,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91340000711771143J", "91340000711771143J"),  # iFLYTEK, as printed
        ("91340000711771143j", "91340000711771143J"),  # lower-case check character
        (" 9134 0000 7117 7114 3J ", "91340000711771143J"),  # spaced as on some forms
        ("９１３４００００７１１７７１１４３Ｊ", "91340000711771143J"),  # full-width
        ("91340100MA2N0K0E0D", "91340100MA2N0K0E0D"),
        ("12340000485000227D", "12340000485000227D"),  # public institution
        ("52340000MJA001234W", "52340000MJA001234W"),  # social organisation
        ("9134-0000-7117-7114-3J", "91340000711771143J"),
    ],
)
def test_uscc_accepted(raw: str, expected: str) -> None:
    assert validate_uscc(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91340000711771143K", "uscc_checksum"),  # one wrong check character
        ("91340000711771134J", "uscc_checksum"),  # two digits swapped
        ("9134000071177114", "uscc_length"),
        ("91340000711771143JX", "uscc_length"),
        ("A1340000711771143J", "uscc_format"),  # letters in the first eight
        ("9134000071177I143J", "uscc_format"),  # I is not in the alphabet
        ("", "uscc_length"),
        (91340000, "type"),
        (None, "type"),
    ],
)
def test_uscc_refused(raw: object, code: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        validate_uscc(raw)
    assert exc.value.code == code
    assert exc.value.message_zh and exc.value.message_en


@pytest.mark.parametrize(
    ("raw", "exchange", "expected"),
    [
        ("600519", "SSE", "600519"),
        ("688027", "SSE", "688027"),  # STAR market
        ("688027.SH", "SSE", "688027"),
        ("sh601088", "SSE", "601088"),
        ("002230", "SZSE", "002230"),
        ("2230", "SZSE", "002230"),  # leading zeros lost in a spreadsheet
        ("300750.SZ", "SZSE", "300750"),
        ("430047", "BSE", "430047"),
        ("920118", "BSE", "920118"),
        ("830799.BJ", "BSE", "830799"),
        ("700", "HKEX", "00700"),
        ("0700.HK", "HKEX", "00700"),
        ("09988", "HKEX", "09988"),
        ("nio", "NYSE", "NIO"),
        ("BRK.B", "NYSE", "BRK.B"),
        ("QTUM", "NASDAQ", "QTUM"),
        ("６８８０２７", "SSE", "688027"),
        ("600519", None, "600519"),
    ],
)
def test_stock_codes_accepted(raw: str, exchange: str | None, expected: str) -> None:
    assert validate_stock_code(raw, exchange) == expected


@pytest.mark.parametrize(
    ("raw", "exchange"),
    [
        ("000001", "SSE"),  # a Shenzhen code under Shanghai
        ("600519", "SZSE"),
        ("700000", "SSE"),
        ("123456", "BSE"),
        ("123456", "HKEX"),
        ("TOOLONG", "NASDAQ"),
        ("", "SSE"),
        ("60051X", "SSE"),
    ],
)
def test_stock_codes_refused(raw: str, exchange: str) -> None:
    with pytest.raises(InvalidValue):
        validate_stock_code(raw, exchange)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GR202334001234", "GR202334001234"),
        ("gr202334001234", "GR202334001234"),
        ("GR 2023 34 001234", "GR202334001234"),
        ("ＧＲ２０２１３４００２８７６", "GR202134002876"),
        ("GR201811000123", "GR201811000123"),  # Beijing
    ],
)
def test_hte_certificates_accepted(raw: str, expected: str) -> None:
    assert validate_hte_certificate(raw, today=dt.date(2026, 1, 1)) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("GR20233400123", "hte_certificate"),  # one digit short
        ("GF202334001234", "hte_certificate"),
        ("GR202734001234", "hte_certificate_year"),  # future year
        ("GR200534001234", "hte_certificate_year"),  # before the scheme
        ("GR202399001234", "hte_certificate_province"),
    ],
)
def test_hte_certificates_refused(raw: str, code: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        validate_hte_certificate(raw, today=dt.date(2026, 1, 1))
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-09-30", "2024-09-30"),
        ("2024/9/30", "2024-09-30"),
        ("2024.09.30", "2024-09-30"),
        ("2024年9月30日", "2024-09-30"),
        ("２０２４年９月３０日", "2024-09-30"),
        ("20240930", "2024-09-30"),
        ("2024-09-30 00:00:00", "2024-09-30"),  # a spreadsheet datetime
        (dt.date(2024, 9, 30), "2024-09-30"),
        (dt.datetime(2024, 9, 30, 8, 0), "2024-09-30"),
    ],
)
def test_dates_accepted(raw: object, expected: str) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["2024-02-30", "2024-13-01", "30/09/2024", "昨天", "", 20240930, None, "1800-01-01"]
)
def test_dates_refused(raw: object) -> None:
    with pytest.raises(InvalidValue):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(2024, 2024), ("2024", 2024), ("2024年", 2024), ("２０２４", 2024), (2024.0, 2024)],
)
def test_years_accepted(raw: object, expected: int) -> None:
    assert parse_year(raw) == expected


@pytest.mark.parametrize("raw", [1899, 2101, "二〇二四", 2024.5, True, "", None, [2024]])
def test_years_refused(raw: object) -> None:
    with pytest.raises(InvalidValue):
        parse_year(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, 0),
        (1234.5, 1234.5),
        ("1,234.5", 1234.5),
        ("１２３４．５", 1234.5),
        ("35000万元", 35000),
        ("35000 万", 35000),
        ("0.0001", 0.0001),  # one yuan
        (" 12 ", 12),
    ],
)
def test_amounts_accepted(raw: object, expected: float) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (-1, "min"),
        ("-0.5", "min"),
        ("0.00001", "decimals"),  # finer than one yuan
        ("1.5亿", "type"),  # amounts are entered in 万元
        (float("nan"), "type"),
        (float("inf"), "type"),
        (True, "type"),
        ("1e400", "type"),
        ("9" * 100, "type"),
        (10**20, "max"),
        (None, "type"),
    ],
)
def test_amounts_refused(raw: object, code: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_amount(raw)
    assert exc.value.code == code


def test_decimal_places_are_refused_not_rounded() -> None:
    assert parse_decimal("2.50", decimals=2) == 2.5
    with pytest.raises(InvalidValue):
        parse_decimal("2.555", decimals=2)
    with pytest.raises(InvalidValue):
        parse_decimal("2.5", decimals=0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, 1), (9, 9), ("7", 7), ("TRL 7", 7), ("trl7", 7), ("7级", 7), ("７", 7), (6.0, 6)],
)
def test_trl_accepted(raw: object, expected: int) -> None:
    assert parse_trl(raw) == expected


@pytest.mark.parametrize("raw", [0, 10, -1, 6.5, "TRL", "九", True, None, "TRL 10"])
def test_trl_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as exc:
        parse_trl(raw)
    assert exc.value.code == "trl"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("0551-62345678", "0551-62345678"),
        ("(0551)62345678", "0551-62345678"),
        ("0551-62345678-801", "0551-62345678-801"),
    ],
)
def test_phones_accepted(raw: str, expected: str) -> None:
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "23812345678", "62345678", "电话"])
def test_phones_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        validate_phone(raw)


@pytest.mark.parametrize(
    "raw", ["3f2504e0-4f89-11d3-9a0c-0305e82c3301", "01HZX3N5Q0W8Z0J5K7Y3T2M1AB", "rec:42"]
)
def test_record_ids_accepted(raw: str) -> None:
    assert validate_record_id(raw) == raw


@pytest.mark.parametrize("raw", ["", "a b", "x" * 65, "../etc/passwd", 42])
def test_record_ids_refused(raw: object) -> None:
    with pytest.raises(InvalidValue):
        validate_record_id(raw)
