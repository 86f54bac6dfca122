"""Formula-safe spreadsheet cells: nothing an office typed runs as a formula, and the round trip
back from an export is exact."""

from hypothesis import given
from hypothesis import strategies as st

from forms.spreadsheet import FORMULA_TRIGGERS, formula_safe, restore_formula_safe


def test_every_owasp_trigger_is_neutralised():
    for trigger in FORMULA_TRIGGERS:
        value = f"{trigger}HYPERLINK(\"http://x\")"
        safe = formula_safe(value)
        assert safe == "'" + value and not safe.startswith(FORMULA_TRIGGERS)
    assert formula_safe("安徽量子科技有限公司") == "安徽量子科技有限公司"
    assert formula_safe(-5) == -5 and formula_safe(None) is None and formula_safe(2.5) == 2.5


@given(st.one_of(st.text(), st.text().map(lambda s: "'" + s),
                 st.sampled_from(FORMULA_TRIGGERS).flatmap(lambda t: st.text().map(lambda s: t + s)),
                 st.integers(), st.none()))
def test_restoring_gives_back_exactly_what_was_typed(value):
    safe = formula_safe(value)
    assert not (isinstance(safe, str) and safe.startswith(FORMULA_TRIGGERS))
    assert restore_formula_safe(safe) == value
