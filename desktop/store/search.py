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
from dataclasses import dataclass
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


@dataclass
class Terms:
    """The terms of a search (SQL selecting each one's rowids, and its parameter), and for
    the first rows of a list which of them drives the query (``None``: every term is common)."""

    sql: list[tuple[str, Any]]
    driver: int | None = None

    def clauses(self, *, first_rows: bool) -> tuple[list[str], list[Any]]:
        """WHERE clauses (and their parameters) keeping the records that hold every term.

        The unary ``+`` tells SQLite to treat a term as a filter rather than as the rows to
        fetch, so the list's own index sets the order.
        """
        clauses = [f"{'+' if first_rows and i != self.driver else ''}rowid IN ({sql})"
                   for i, (sql, _param) in enumerate(self.sql)]
        return clauses, [param for _sql, param in self.sql]


def search_terms(db: Any, search: str | None, *, first_rows: bool) -> Terms:
    """The terms of ``search``, and for the first rows of a list, the plan.

    For a count every match is needed anyway. For the first rows of a list the plan depends
    on how many records a term matches: a rare term is cheapest to look up match by match
    and sort; a common one (量子 in a quantum park) by walking the list in order and keeping
    matches until the page is full (see :func:`first_in_window`).
    """
    terms = Terms([term_clause(term) for term in fold_search(search or "").split()])
    if first_rows and terms.sql:
        newest = db.execute("SELECT max(rowid) FROM records").fetchone()[0] or 0
        # Fetching and sorting costs per match; walking costs per record passed over
        # (index order, about 50·N/matches of them): they cross near √(2N) matches.
        few = max(200, math.isqrt(2 * newest))
        counts = [_count(db, sql, param, few + 1) for sql, param in terms.sql]
        if min(counts) <= few:
            terms.driver = counts.index(min(counts))
    return terms


# The first rows of a list searched for common terms are looked for among the list's first
# WINDOW rows, when an index gives the list's order: a term in one record of twenty fills a
# page of 50 there. A window whose
# rowids spread over more than SPREAD times its size (a list by name, or records long since
# edited) would ask the index for most matches anyway, and is not tried.
WINDOW = 1024
SPREAD = 8


def first_in_window(db: Any, list_sql: str, params: list[Any], terms: Terms, limit: int) -> list[int] | None:
    """Rowids of the first ``limit`` rows of a list that hold every term, in list order, or
    None when they are not all among the list's first rows.

    ``list_sql`` selects the list's rowids in order, without the search, and ends in
    ``LIMIT ?``. Walking the list's index with a term as a filter (the plan for common
    terms) first gathers every record holding it: 43,000 rowids for 量 in an office of
    100,000, most of the cost. Here each term is asked only for the records within the
    rowid range of the window (FTS5 seeks to a rowid range), and the window is filtered.
    Any match among the first rows of the list lies in the window, so when the window
    holds ``limit`` of them (or is the whole list) they are the answer.
    """
    # A list whose order no index gives (by name across forms) would sort every record
    # to find its first rows: more than the plan for common terms costs.
    plan = db.execute(f"EXPLAIN QUERY PLAN {list_sql}", [*params, WINDOW]).fetchall()
    if any("TEMP B-TREE" in row[3] for row in plan):
        return None
    window = [row[0] for row in db.execute(list_sql, [*params, WINDOW])]
    if not window:
        return []
    low, high = min(window), max(window)
    if high - low > SPREAD * WINDOW:
        return None
    held: set[int] | None = None
    for sql, param in terms.sql:
        hits = {row[0] for row in db.execute(f"{sql} AND rowid BETWEEN ? AND ?", [param, low, high])}
        held = hits if held is None else held & hits
    assert held is not None  # terms.sql is never empty here
    found = [rowid for rowid in window if rowid in held]
    if len(found) >= limit or len(window) < WINDOW:
        return found[:limit]
    return None


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
