"""What clerks read: enrollment codes as typed, the province's errors, shared words."""

from __future__ import annotations

import pytest

from desktop import vocabulary
from desktop.errors import OfficeError
from desktop.services.sync_office import SyncFailed, clean_enrollment_code
from sync import errors as e


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", " abcdefghjkmnpqrs\t",
    "ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ－ＰＱＲＳ",  # typed with a Chinese input method in full-width mode
    "abcd—efgh–jkmn_pqrs",
])
def test_enrollment_codes_are_read_as_typed(typed):
    assert clean_enrollment_code(typed) == "ABCD-EFGH-JKMN-PQRS"


@pytest.mark.parametrize("typed", ["ABCD-EFGH-JKMN", "ABCD-EFGH-JKMN-PQRS-T", "ＡＢＣＤ-量子-JKMN-PQRS", ""])
def test_a_code_of_the_wrong_length_is_refused_before_sending(typed):
    with pytest.raises(OfficeError) as caught:
        clean_enrollment_code(typed)
    assert "16 个字母或数字" in caught.value.message("zh")


def test_the_provinces_own_wording_is_not_shown_to_clerks():
    class Odd(e.ProtocolError):
        code = "rate_limited"

    shown = SyncFailed(Odd("internal: upstream pool exhausted at db.py:120"))
    assert "rate_limited" in shown.message("zh") and "pool" not in shown.message("zh") + shown.message("en")
    shown = SyncFailed(e.SyncError("Traceback (most recent call last): ..."))
    assert "Traceback" not in shown.message("zh") + shown.message("en")


def test_statuses_and_steps_have_words_in_both_languages():
    for table in (vocabulary.STATUSES, vocabulary.ROLES, vocabulary.SYNC_STEPS):
        assert all(zh and en and zh != en for zh, en in table.values())
    assert vocabulary.word(vocabulary.STATUSES, "final", "zh") == "已定稿"
    assert vocabulary.word(vocabulary.SYNC_STEPS, "pulling", "en") == "Fetching updates"
    assert vocabulary.word(vocabulary.STATUSES, "unknown_code") == "unknown_code"
