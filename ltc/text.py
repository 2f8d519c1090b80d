"""Folding text for comparison: the same name however it was typed."""

from __future__ import annotations

import unicodedata


def text_key(value: str) -> str:
    """Width-folded (全角→半角), case-folded, without spaces: for names and companies."""
    return "".join(unicodedata.normalize("NFKC", value or "").casefold().split())
