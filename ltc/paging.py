"""Pagination that does not count a hundred thousand rows to show twenty-five.

Counting every visible record is the slowest part of a list over a large table (a scan of all of them,
whatever the page). A list counts at most ``cap + 1`` rows: below the cap the number is exact; above it,
the list says "10,000+" and offers the pages up to the cap. Filters narrow it from there.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def counted(self) -> int:
        """Rows counted: at most ``cap + 1`` (the one more says that there are more)."""
        return int(self.object_list[: self.cap + 1].count())  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more rows than the count shows."""
        return self.counted > self.cap
