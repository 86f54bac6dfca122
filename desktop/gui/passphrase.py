"""A hint of how strong a passphrase is, shown while it is typed.

Only a hint: the store enforces its own minimum length. The estimate counts length and
the kinds of characters used, which is what a clerk can act on ("make it longer").
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.store.keyslots import MIN_PASSPHRASE

COMMON = {"12345678", "123456789", "password", "password1", "qwertyui", "11111111", "88888888", "66666666", "abcd1234"}


def strength(passphrase: str) -> int:
    """0 (refused) to 4 (strong), from length and variety of characters."""
    if len(passphrase) < MIN_PASSPHRASE or passphrase.lower() in COMMON or len(set(passphrase)) <= 2:
        return 0
    kinds = sum((
        any(c.islower() for c in passphrase),
        any(c.isupper() for c in passphrase),
        any(c.isdigit() for c in passphrase),
        any(not c.isascii() for c in passphrase),  # Chinese characters count as a kind
        any(c.isascii() and not c.isalnum() for c in passphrase),
    ))
    score = 1 + (len(passphrase) >= 12) + (len(passphrase) >= 16) + (kinds >= 3)
    return min(score, 4)


def strength_hint(passphrase: str) -> tuple[int, str]:
    """The score and a sentence saying what it means."""
    score = strength(passphrase)
    if not passphrase:
        return 0, QCoreApplication.translate("Passphrase", "At least {n} characters; a short sentence is easy to remember and hard to guess.").format(n=MIN_PASSPHRASE)
    texts = [
        QCoreApplication.translate("Passphrase", "Too short or too common: at least {n} characters, not a simple sequence.").format(n=MIN_PASSPHRASE),
        QCoreApplication.translate("Passphrase", "Weak: make it longer."),
        QCoreApplication.translate("Passphrase", "Fair: a few more words would make it strong."),
        QCoreApplication.translate("Passphrase", "Good."),
        QCoreApplication.translate("Passphrase", "Strong."),
    ]
    return score, texts[score]


STRENGTH_COLOURS = ("#b3261e", "#b3261e", "#9a6700", "#1a7f37", "#1a7f37")
