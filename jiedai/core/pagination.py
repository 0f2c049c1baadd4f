"""Pagination whose two costly parts, the count and the rows of one page, are supplied by the caller (an access
layer that knows a cheaper way than COUNT(*) over a row-wise visibility filter)."""

from collections.abc import Callable
from functools import cached_property

from django.core.paginator import Paginator


class SuppliedPaginator(Paginator):
    def __init__(self, per_page: int, *, count: Callable[[], int], rows: Callable[[int, int], list]):
        super().__init__([], per_page)
        self._count, self._rows = count, rows

    @cached_property
    def count(self) -> int:
        return self._count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self._rows(bottom, top) if top > bottom else [], number, self)
