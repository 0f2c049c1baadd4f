"""Reads for the calendar page: a month as a grid of weeks (Monday first, as Chinese calendars are printed)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from jiedai.workdays.services import DayInfo, days_info

# The page only shows years people plan receptions in; this also keeps the lunar calculations of the
# `holidays` fallback inside the range it supports.
MIN_YEAR = 1950
MAX_YEAR = 2099

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class CalendarCell:
    info: DayInfo
    in_month: bool
    is_today: bool


@dataclass(frozen=True)
class MonthCalendar:
    first: datetime.date  # the first day of the month shown
    weeks: list[list[CalendarCell]]
    provisional: bool  # any day of the month comes from the fallback calendar
    workday_count: int
    previous: datetime.date | None  # first day of the previous month, None at the edge of the range
    next: datetime.date | None


def parse_month(value: str | None, *, default: datetime.date) -> datetime.date:
    """'2026-10' -> date(2026, 10, 1); anything missing, malformed or out of range -> default's month."""
    match = _MONTH_RE.match(value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
            return datetime.date(year, month, 1)
    return default.replace(day=1)


def _shift_month(first: datetime.date, months: int) -> datetime.date | None:
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return datetime.date(year, month + 1, 1)


def month_calendar(*, year: int, month: int, today: datetime.date) -> MonthCalendar:
    """The month's days, padded to whole Monday-to-Sunday weeks with the neighbouring months' days. One query."""
    first = datetime.date(year, month, 1)
    following = _shift_month(first, 1) or datetime.date(MAX_YEAR + 1, 1, 1)
    last = following - datetime.timedelta(days=1)
    grid_first = first - datetime.timedelta(days=first.weekday())
    grid_last = last + datetime.timedelta(days=6 - last.weekday())

    cells = [
        CalendarCell(info=info, in_month=info.date.month == month, is_today=info.date == today)
        for info in days_info(grid_first, grid_last)
    ]
    in_month = [cell.info for cell in cells if cell.in_month]
    return MonthCalendar(
        first=first,
        weeks=[cells[index : index + 7] for index in range(0, len(cells), 7)],
        provisional=any(info.provisional for info in in_month),
        workday_count=sum(info.is_workday for info in in_month),
        previous=_shift_month(first, -1),
        next=_shift_month(first, 1),
    )
