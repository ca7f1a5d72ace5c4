"""How far apart two spellings are: the edit distance and the character n-grams that filter and
rank candidates cheaply before it (used by the topic matcher and by headline merging)."""

from __future__ import annotations


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment distance: insert, delete, substitute, swap neighbours (each 1).

    With ``limit``, only a band of width 2*limit+1 is computed and any distance above ``limit``
    comes back as ``limit + 1`` (typo checks only care whether a word is within the limit).
    """
    if limit is None:
        limit = max(len(a), len(b))
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    over = limit + 1
    prev2: list[int] = []
    prev = [j if j <= limit else over for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [over] * (len(b) + 1)
        if i <= limit:
            cur[0] = i
        row_best = cur[0]
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            best = prev[j - 1] if a[i - 1] == b[j - 1] else prev[j - 1] + 1
            if prev[j] + 1 < best:
                best = prev[j] + 1
            if cur[j - 1] + 1 < best:
                best = cur[j - 1] + 1
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] and prev2[j - 2] + 1 < best:
                best = prev2[j - 2] + 1
            cur[j] = best if best < over else over
            if best < row_best:
                row_best = best
        if row_best > limit:
            return over
        prev2, prev = prev, cur
    return prev[len(b)]


def bigrams(text: str) -> frozenset[str]:
    """Character pairs: a cheap filter before the edit distance (a typo shares most of them)."""
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def trigrams(text: str) -> frozenset[str]:
    """Padded character triples, for ranking the closest spellings when nothing matches."""
    padded = f"  {text} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))
