"""Telling a mistyped sub-command (`/leonar-add conect`) from a search for a candidate."""

from __future__ import annotations


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) turning `a` into `b` (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def closest(word: str, words: list[str]) -> str | None:
    """The word `word` is most likely a typo of: one edit away, two for long words (a name such as "Conner" is
    two edits from "connect" and stays a search)."""
    if len(word) < 3:
        return None
    found = sorted((distance(word, w), w) for w in words)
    best = next(((d, w) for d, w in found if 0 < d <= (2 if len(w) >= 8 else 1)), None)
    return best[1] if best else None
