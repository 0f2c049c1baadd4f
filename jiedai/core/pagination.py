"""Pagination whose costly parts, the count and the rows of one page, are supplied by the caller (an access layer
that knows a cheaper way than COUNT(*) over a row-wise visibility filter), with keyset links: a page's "next" and
"previous" carry the id they continue from, so a deep page costs what the first one costs."""

from collections.abc import Callable
from functools import cached_property

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator


def parse_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class SuppliedPaginator(Paginator):
    def __init__(
        self,
        per_page: int,
        *,
        count: Callable[[], int],
        rows: Callable[[int, int], list],
        rows_before: Callable[[int, int], list] | None = None,
        rows_after: Callable[[int, int], list] | None = None,
    ):
        super().__init__([], per_page)
        self._count, self._rows = count, rows
        self._rows_before, self._rows_after = rows_before, rows_after

    @cached_property
    def count(self) -> int:
        return self._count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self._rows(bottom, top) if top > bottom else [], number, self)

    def get_keyset_page(self, number, *, before=None, after=None):
        """Page `number`, read from the keyset (`before`/`after` an id) when the link carried one; a cursor that
        finds nothing (the list changed under it) falls back to the page by number."""
        before, after = parse_id(before), parse_id(after)
        if before is None and after is None or self._rows_before is None:
            page = self.get_page(number)
        else:
            number = self._clamp(number)  # counts first: the rows' query form depends on the total
            rows = self._rows_before(before, self.per_page) if before else self._rows_after(after, self.per_page)
            page = self._get_page(rows, number, self) if rows else self.get_page(number)
        rows = page.object_list
        page.keyset = self._rows_before is not None
        page.next_before = rows[-1].pk if rows else None
        page.previous_after = rows[0].pk if rows else None
        return page

    def _clamp(self, number) -> int:
        try:
            return self.validate_number(number)
        except PageNotAnInteger:
            return 1
        except EmptyPage:
            return self.num_pages
