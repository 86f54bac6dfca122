"""Full-text search over records: substrings of any length, answered from an index.

Two FTS5 tables hold each record's search text, written in the same transaction as the
record. ``record_search`` (trigram tokenizer) answers terms of three characters or more.
``short_search`` answers one- and two-character terms (二字词 such as 量子, 芯片, the
commonest Chinese searches), which trigrams cannot: its tokens are every character and
every pair of neighbouring characters of the text, so a short term is one token lookup.

Both give substring semantics. A short term matches exactly the records whose text
``LIKE '%term%'`` would match (ASCII letters case-insensitively, everything else as typed);
a term of three or more characters matches as the trigram index does.
"""

from __future__ import annotations

from typing import Any

# FTS5's own tokenizer splits text at punctuation and folds case, so each character is
# written as fixed-width hex: a token is then a plain word that survives tokenizing intact
# and a pair of characters is one token of twelve digits.
_HEX_WIDTH = 6
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
SHORT_TERM = 2


def fold(text: str) -> str:
    """Text as short-term search compares it: ASCII letters in lower case (as SQL ``LIKE``)."""
    return text.translate(_ASCII_LOWER)


def _token(chars: str) -> str:
    return "".join(format(ord(c), "06x") for c in chars)


def short_tokens(text: str) -> str:
    """The ``short_search`` document of ``text``: each distinct character and pair, as tokens.

    Pieces holding whitespace are left out: a search term never contains whitespace
    (terms are split at it), so they could never be asked for.
    """
    folded = fold(text)
    token = {c: format(ord(c), "06x") for c in set(folded) if not c.isspace()}
    grams = set(token.values())
    grams.update(token[a] + token[b] for a, b in zip(folded, folded[1:], strict=False) if a in token and b in token)
    return " ".join(grams)


def term_clause(term: str) -> tuple[str, Any]:
    """SQL selecting the rowids of records whose text contains ``term``, and its parameter."""
    if len(term) > SHORT_TERM:
        return ("SELECT rowid FROM record_search WHERE record_search MATCH ?",
                '"' + term.replace('"', '""') + '"')
    return "SELECT rowid FROM short_search WHERE short_search MATCH ?", '"' + _token(fold(term)) + '"'


def index_text(db: Any, rowid: int, record_id: str, text: str, *, new: bool) -> None:
    """Write (or, unless ``new``, replace) the search text of the record at ``rowid``,
    inside the caller's transaction.

    The search rows share the record's rowid, so replacing them is a keyed lookup rather
    than a scan of the index.
    """
    if not new:
        db.execute("DELETE FROM record_search WHERE rowid = ?", [rowid])
        db.execute("DELETE FROM short_search WHERE rowid = ?", [rowid])
    db.execute("INSERT INTO record_search (rowid, record_id, body) VALUES (?, ?, ?)", [rowid, record_id, text])
    db.execute("INSERT INTO short_search (rowid, grams) VALUES (?, ?)", [rowid, short_tokens(text)])
