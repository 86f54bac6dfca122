"""Content hashes: the shortcut over already encoded data hashes the very same bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from forms.canonical import canonical_json, content_hash, content_hash_of_json

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(form_id=st.text(), form_version=st.integers(min_value=0), data=JSON)
def test_the_hash_of_encoded_data_is_the_content_hash(form_id: str, form_version: int, data: object) -> None:
    assert content_hash_of_json(form_id, form_version, canonical_json(data)) == content_hash(form_id, form_version, data)


def test_a_record_in_chinese() -> None:
    data = {"name": "合肥量子（安徽）科技有限公司", "employees": 12, "output": 1.5, "items": [{"x": None}]}
    assert content_hash_of_json("enterprise", 3, canonical_json(data)) == content_hash("enterprise", 3, data)
