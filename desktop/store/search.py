"""Full-text search over records: substrings of any length, answered from an index.

Two FTS5 tables hold each record's search text, written in the same transaction as the
record. ``record_search`` (trigram tokenizer) answers terms of three characters or more.
``short_search`` answers one- and two-character terms (二字词 such as 量子, 芯片, the
commonest Chinese searches), which trigrams cannot: its tokens are every character and
every pair of neighbouring characters of the text, so a short term is one token lookup.

Both give substring semantics over text folded by :func:`forms.keys.fold_search` (full and
half width, case), as the terms searched for are: a term matches exactly the records whose
folded text contains it.
"""

from __future__ import annotations

import math
from typing import Any

from forms.keys import fold_search

# FTS5's own tokenizer splits text at punctuation and folds case, so each character is
# written as its UTF-32 code in hex: a token is then a plain word that survives tokenizing
# intact, and a pair of characters is one token of sixteen digits.
SHORT_TERM = 2


def _token(chars: str) -> str:
    return chars.encode("utf-32-be").hex()


def short_tokens(text: str) -> str:
    """The ``short_search`` document of (folded) ``text``: each distinct character and pair,
    as tokens.

    Pieces holding whitespace are left out: a search term never contains whitespace
    (terms are split at it), so they could never be asked for.
    """
    grams: set[str] = set()
    for word in text.split():
        chars = [_CHAR_TOKENS.get(ch) or _char_token(ch) for ch in word]
        grams.update(chars)
        grams.update(map(str.__add__, chars, chars[1:]))
    return " ".join(grams)


# Each character's token, computed once: a record's text is mostly characters seen before.
_CHAR_TOKENS: dict[str, str] = {}


def _char_token(ch: str) -> str:
    token = _token(ch)
    if len(_CHAR_TOKENS) < 100_000:
        _CHAR_TOKENS[ch] = token
    return token


def term_clause(term: str) -> tuple[str, Any]:
    """SQL selecting the rowids of records whose text contains ``term`` (folded, no space),
    and its parameter."""
    if len(term) > SHORT_TERM:
        return ("SELECT rowid FROM record_search WHERE record_search MATCH ?",
                '"' + term.replace('"', '""') + '"')
    return "SELECT rowid FROM short_search WHERE short_search MATCH ?", '"' + _token(term) + '"'


def search_clauses(db: Any, search: str | None, *, first_rows: bool) -> tuple[list[str], list[Any]]:
    """WHERE clauses (and their parameters) keeping records that hold every term of ``search``.

    For a count every match is needed anyway. For the first rows of a list the plan depends
    on how many records a term matches: a rare term is cheapest to look up match by match
    and sort; a common one (量子 in a quantum park) is cheapest by walking the list's own
    index in order and keeping matches until the page is full. The unary ``+`` tells SQLite
    to treat a term as a filter rather than as the rows to fetch.
    """
    terms = [term_clause(term) for term in fold_search(search or "").split()]
    if not terms:
        return [], []
    driver = None
    if first_rows:
        newest = db.execute("SELECT max(rowid) FROM records").fetchone()[0] or 0
        # Fetching and sorting costs per match; walking costs per record passed over
        # (index order, about 50·N/matches of them): they cross near √(2N) matches.
        few = max(200, math.isqrt(2 * newest))
        counts = [_count(db, sql, param, few + 1) for sql, param in terms]
        if min(counts) <= few:
            driver = counts.index(min(counts))
    # Without a driving term (a count, or only common terms) every term is a plain IN for a
    # count and a filter (+rowid) for first rows.
    clauses = [f"{'+' if first_rows and i != driver else ''}rowid IN ({sql})" for i, (sql, _param) in enumerate(terms)]
    return clauses, [param for _sql, param in terms]


def _count(db: Any, sql: str, param: Any, cap: int) -> int:
    return int(db.execute(f"SELECT count(*) FROM ({sql} LIMIT ?)", [param, cap]).fetchone()[0])


def index_text(db: Any, rowid: int, record_id: str, text: str, *, new: bool) -> None:
    """Write (or, unless ``new``, replace) the search text of the record at ``rowid``,
    inside the caller's transaction, folded as the terms searched for are.

    The search rows share the record's rowid, so replacing them is a keyed lookup rather
    than a scan of the index.
    """
    if not new:
        db.execute("DELETE FROM record_search WHERE rowid = ?", [rowid])
        db.execute("DELETE FROM short_search WHERE rowid = ?", [rowid])
    text = fold_search(text)
    db.execute("INSERT INTO record_search (rowid, record_id, body) VALUES (?, ?, ?)", [rowid, record_id, text])
    db.execute("INSERT INTO short_search (rowid, grams) VALUES (?, ?)", [rowid, short_tokens(text)])
