"""Working-day arithmetic for the policy's deadlines (plan due X working days before the visit, policy 3.1.2;
survey within X working days after it, policy 6.2.1; and the other obligations).

These are reads, but other apps call them as the calendar's service, so they live here and are imported as
`jiedai.workdays.services`.

Where a day's status comes from, in priority order:

1. `CalendarOverride` rows, kept by administrators: they win over everything and are never provisional.
2. `chinese_calendar`: the State Council's published schedule, including adjusted working days (调休上班),
   for the years the installed release covers.
3. For any other year, the `holidays` package's China calendar plus Saturday/Sunday rest. It only guesses the
   adjusted working days of years not yet published, so those days are *provisional*: a result is provisional
   if any day it consulted came from this fallback and was not overridden.

Overrides are read in one query per window of dates (never one per day); the library data is computed once
per year and cached for the life of the process. Library data only changes with a new release (a restart), so
the cache needs no invalidation; overrides are always read fresh.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import holidays
from chinese_calendar import constants as cc_constants
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.core.errors import ValidationFailed
from jiedai.workdays.models import CalendarOverride

# Absurd-input guards: ten years of working days is far beyond any deadline in the policy.
MAX_SHIFT_WORKDAYS = 3660
# A shift or count never needs to look at more calendar days than this (ten years of working days is about
# fourteen calendar years); it also stops a walk through a calendar an administrator filled with days off.
MAX_SPAN_DAYS = 3660 * 2

_ONE_DAY = datetime.timedelta(days=1)


class WorkdayRangeError(ValidationFailed, ValueError):
    """Input outside what the calendar computes. A `ValueError` for plain Python callers, and a
    `ValidationFailed` so that the API answers 422 with `errors` keyed by the offending field."""


class DayKind(enum.StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休上班: a Saturday or Sunday worked to bridge a holiday

    @property
    def label(self) -> str:
        return str(_DAY_KIND_LABELS[self])


_DAY_KIND_LABELS = {
    DayKind.WORKDAY: gettext_lazy("工作日"),
    DayKind.WEEKEND: gettext_lazy("周末"),
    DayKind.HOLIDAY: gettext_lazy("节假日"),
    DayKind.ADJUSTED_WORKDAY: gettext_lazy("调休上班"),
}


class DaySource(enum.StrEnum):
    OVERRIDE = "override"
    OFFICIAL = "official"  # chinese_calendar
    FALLBACK = "fallback"  # holidays + weekends: provisional


@dataclass(frozen=True)
class WorkdayResult:
    date: datetime.date
    provisional: bool


@dataclass(frozen=True)
class WorkdayCount:
    count: int
    provisional: bool


@dataclass(frozen=True)
class DayInfo:
    date: datetime.date
    is_workday: bool
    kind: DayKind
    name: str  # the holiday's name, or what an adjusted working day makes up for; may be empty
    source: DaySource

    @property
    def provisional(self) -> bool:
        return self.source is DaySource.FALLBACK

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


# --- library data, cached per year ------------------------------------------------------------------------


def _official_year_range() -> tuple[int, int]:
    """The years chinese_calendar has data for. It raises NotImplementedError outside [min, max] of its
    holiday table (utils._validate_date), so the same bounds decide coverage here, without probing."""
    years = [day.year for day in cc_constants.holidays]
    return min(years), max(years)


OFFICIAL_MIN_YEAR, OFFICIAL_MAX_YEAR = _official_year_range()

_CHINESE_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@dataclass(frozen=True)
class _YearData:
    source: DaySource
    # Only the days that differ from "Monday to Friday work, weekend rest", plus named holidays.
    special: dict[datetime.date, tuple[bool, DayKind, str]]


def is_official_year(year: int) -> bool:
    return OFFICIAL_MIN_YEAR <= year <= OFFICIAL_MAX_YEAR


@lru_cache(maxsize=64)
def _year_data(year: int) -> _YearData:
    if is_official_year(year):
        return _official_year(year)
    return _fallback_year(year)


def _official_year(year: int) -> _YearData:
    special: dict[datetime.date, tuple[bool, DayKind, str]] = {}
    for day, name in cc_constants.holidays.items():
        if day.year == year:
            special[day] = (False, DayKind.HOLIDAY, _CHINESE_HOLIDAY_NAMES.get(name, name))
    for day, name in cc_constants.workdays.items():
        if day.year == year:
            special[day] = (True, DayKind.ADJUSTED_WORKDAY, _CHINESE_HOLIDAY_NAMES.get(name, name))
    return _YearData(source=DaySource.OFFICIAL, special=special)


def _fallback_year(year: int) -> _YearData:
    calendar = holidays.China(years=year, language="zh_CN")
    special: dict[datetime.date, tuple[bool, DayKind, str]] = {
        day: (False, DayKind.HOLIDAY, name) for day, name in calendar.items() if day.year == year
    }
    # `weekend_workdays` accumulates every year the object knows about; keep this year's only.
    for day in calendar.weekend_workdays:
        if day.year == year:
            special[day] = (True, DayKind.ADJUSTED_WORKDAY, "")
    return _YearData(source=DaySource.FALLBACK, special=special)


# --- overrides, one query per window -------------------------------------------------------------------------


def _overrides_between(first: datetime.date, last: datetime.date) -> dict[datetime.date, tuple[bool, str]]:
    """All overrides with first <= date <= last (in either order), in one query."""
    low, high = min(first, last), max(first, last)
    rows = CalendarOverride.objects.filter(date__range=(low, high)).values_list("date", "is_workday", "name")
    return {day: (is_workday, name) for day, is_workday, name in rows}


def _resolve(day: datetime.date, overrides: dict[datetime.date, tuple[bool, str]]) -> DayInfo:
    weekend = day.weekday() >= 5
    if day in overrides:
        is_workday, name = overrides[day]
        if is_workday:
            kind = DayKind.ADJUSTED_WORKDAY if weekend else DayKind.WORKDAY
        else:
            kind = DayKind.WEEKEND if weekend and not name else DayKind.HOLIDAY
        return DayInfo(day, is_workday, kind, name, DaySource.OVERRIDE)
    year = _year_data(day.year)
    if day in year.special:
        is_workday, kind, name = year.special[day]
        return DayInfo(day, is_workday, kind, name, year.source)
    if weekend:
        return DayInfo(day, False, DayKind.WEEKEND, "", year.source)
    return DayInfo(day, True, DayKind.WORKDAY, "", year.source)


# --- public API ------------------------------------------------------------------------------------------------


def _add_days(day: datetime.date, days: int, *, field: str = "date") -> datetime.date:
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        message = _("日期超出可计算的范围。")
        raise WorkdayRangeError(message, errors={field: [message]}) from None


def _add_days_clamped(day: datetime.date, days: int) -> datetime.date:
    """day + days, stopping at the first or last representable date instead of overflowing."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


def _dates(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    """first, ..., last inclusive, walking backwards when last < first."""
    step = _ONE_DAY if last >= first else -_ONE_DAY
    day = first
    while True:
        yield day
        if day == last:
            return
        day += step


def day_info(day: datetime.date) -> DayInfo:
    """Everything known about one day (one query)."""
    return _resolve(day, _overrides_between(day, day))


def days_info(first: datetime.date, last: datetime.date) -> list[DayInfo]:
    """Every day from first to last inclusive, in date order (one query). For calendar pages."""
    low, high = min(first, last), max(first, last)
    if (high - low).days > MAX_SPAN_DAYS:
        message = _("日期跨度过大（最多 %(max)s 天）。") % {"max": MAX_SPAN_DAYS}
        raise WorkdayRangeError(message, errors={"date": [message]})
    overrides = _overrides_between(low, high)
    return [_resolve(day, overrides) for day in _dates(low, high)]


def is_workday(day: datetime.date) -> tuple[bool, bool]:
    """(is it a working day, is that provisional). One query."""
    info = day_info(day)
    return info.is_workday, info.provisional


def shift_workdays(start: datetime.date, days: int) -> WorkdayResult:
    """The `days`-th working day after `start` (before it when `days` is negative).

    `start` itself is never counted, whether or not it is a working day: "3 working days before the visit on
    2026-10-09" is 2026-09-29 (10-08, 09-30, 09-29; 10-01..10-07 are the National Day holiday), policy 3.1.2.
    `days == 0` returns `start` unchanged (and not provisional: no day was consulted), even on a day off.
    Provisional if any day walked over (after `start`, up to and including the result) came from the fallback.

    Overrides are loaded for a window generous enough for the usual case (one query); a window that runs out
    (a long stretch of days off) is followed by a larger one, so a shift of up to ~60 days costs 1 or 2 queries.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    if abs(days) > MAX_SHIFT_WORKDAYS:
        message = _("工作日数超出范围（最多 %(max)s 个工作日）。") % {"max": MAX_SHIFT_WORKDAYS}
        raise WorkdayRangeError(message, errors={"days": [message]})
    if days == 0:
        return WorkdayResult(date=start, provisional=False)

    direction = 1 if days > 0 else -1
    remaining = abs(days)
    provisional = False
    cursor = start
    walked = 0
    # Working days are about 5 in 7 and the longest official break is 9 days; twice the count plus a month
    # covers any published schedule.
    window = remaining * 2 + 31
    while walked < MAX_SPAN_DAYS:
        window = min(window, MAX_SPAN_DAYS - walked)
        first = _add_days(cursor, direction)
        last = _add_days_clamped(cursor, direction * window)
        window = abs((last - cursor).days)
        overrides = _overrides_between(first, last)
        for day in _dates(first, last):
            info = _resolve(day, overrides)
            provisional = provisional or info.provisional
            if info.is_workday:
                remaining -= 1
                if remaining == 0:
                    return WorkdayResult(date=day, provisional=provisional)
        cursor = last
        walked += window
        window *= 2
    message = _("在 %(max)s 天内找不到足够的工作日，请检查日历调整。") % {"max": MAX_SPAN_DAYS}
    raise WorkdayRangeError(message, errors={"days": [message]})


def count_workdays(start: datetime.date, end: datetime.date) -> WorkdayCount:
    """The working days met walking from `start` to `end`, counting `end` and never `start` (as in
    `shift_workdays`), so that `count_workdays(s, shift_workdays(s, n).date).count == n` for every n.

    end > start: the number of working days d with start < d <= end.
    end < start: minus the number of working days d with end <= d < start.
    end == start: 0.

    Because the start is never counted, the two directions are not mirror images when an endpoint is a day off:
    from the holiday 2026-10-04 back to 2026-09-30 is -1, from 2026-09-30 forward to 2026-10-04 is 0.
    Provisional if any day counted over came from the fallback. One query.
    """
    if start == end:
        return WorkdayCount(count=0, provisional=False)
    if abs((end - start).days) > MAX_SPAN_DAYS:
        message = _("日期跨度过大（最多 %(max)s 天）。") % {"max": MAX_SPAN_DAYS}
        raise WorkdayRangeError(message, errors={"end": [message]})
    if end > start:
        first, last = start + _ONE_DAY, end
    else:
        first, last = end, start - _ONE_DAY
    overrides = _overrides_between(first, last)
    count = 0
    provisional = False
    for day in _dates(first, last):
        info = _resolve(day, overrides)
        provisional = provisional or info.provisional
        count += info.is_workday
    return WorkdayCount(count=count if end > start else -count, provisional=provisional)
