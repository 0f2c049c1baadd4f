"""Working-day arithmetic against the real published calendar.

2026 per chinese_calendar (State Council notice): National Day + Mid-Autumn are 09-25..09-27 and 10-01..10-07,
with adjusted working days Sunday 09-20 and Saturday 10-10; Spring Festival is 02-15..02-23, with adjusted
working days Saturday 02-14 and Saturday 02-28.
"""

import datetime

import chinese_calendar
import pytest

from jiedai.core.errors import ValidationFailed
from jiedai.workdays import services
from jiedai.workdays.models import CalendarOverride
from jiedai.workdays.services import (
    OFFICIAL_MAX_YEAR,
    DayKind,
    WorkdayCount,
    WorkdayResult,
    count_workdays,
    day_info,
    is_workday,
    shift_workdays,
)

D = datetime.date
pytestmark = pytest.mark.django_db

# A year the installed chinese_calendar does not cover: the holidays-package fallback answers, provisionally.
FALLBACK_YEAR = 2028
assert FALLBACK_YEAR > OFFICIAL_MAX_YEAR, "chinese_calendar now covers 2028: move these tests to a later year"


# --- the official calendar ---------------------------------------------------------------------------------


def test_plan_due_three_workdays_before_national_day__3_1_2():
    # Visit on Friday 2026-10-09: 10-08 (1), [10-01..10-07 holiday], 09-30 (2), 09-29 (3).
    assert shift_workdays(D(2026, 10, 9), -3) == WorkdayResult(date=D(2026, 9, 29), provisional=False)


def test_survey_due_three_workdays_after_visit_lands_on_adjusted_saturday__6_2_1():
    # Visit on 2026-09-30: 10-08 (1), 10-09 (2), Saturday 10-10 is worked (3).
    assert shift_workdays(D(2026, 9, 30), 3) == WorkdayResult(date=D(2026, 10, 10), provisional=False)


def test_adjusted_saturday_2026_10_10_is_a_workday():
    assert D(2026, 10, 10).weekday() == 5
    assert is_workday(D(2026, 10, 10)) == (True, False)
    info = day_info(D(2026, 10, 10))
    assert info.kind is DayKind.ADJUSTED_WORKDAY
    assert info.name == "国庆节"


def test_national_day_2026_10_01_is_not_a_workday():
    assert is_workday(D(2026, 10, 1)) == (False, False)
    info = day_info(D(2026, 10, 1))
    assert info.kind is DayKind.HOLIDAY
    assert info.name == "国庆节"


def test_plain_weekday_and_weekend():
    assert is_workday(D(2026, 11, 11)) == (True, False)  # Wednesday
    assert is_workday(D(2026, 11, 14)) == (False, False)  # Saturday
    assert day_info(D(2026, 11, 14)).kind is DayKind.WEEKEND


def test_count_across_national_day_holiday():
    # d in (09-24, 10-12]: 09-28, 09-29, 09-30, 10-08, 10-09, 10-10 (Saturday, worked), 10-12.
    assert count_workdays(D(2026, 9, 24), D(2026, 10, 12)) == WorkdayCount(count=7, provisional=False)
    assert count_workdays(D(2026, 9, 30), D(2026, 10, 9)) == WorkdayCount(count=2, provisional=False)
    # The whole holiday week counts nothing.
    assert count_workdays(D(2026, 9, 30), D(2026, 10, 7)).count == 0


def test_count_bounds_and_direction():
    monday, friday = D(2026, 11, 9), D(2026, 11, 13)
    assert count_workdays(monday, monday) == WorkdayCount(count=0, provisional=False)
    assert count_workdays(monday, friday).count == 4  # Tuesday..Friday: the start is excluded, the end included
    assert count_workdays(friday, monday).count == -4  # Monday..Thursday: the end included, the start excluded
    # Not mirror images when an endpoint is a day off: the start is never counted.
    assert count_workdays(D(2026, 10, 4), D(2026, 9, 30)).count == -1  # 09-30
    assert count_workdays(D(2026, 9, 30), D(2026, 10, 4)).count == 0


def test_spring_festival_2026():
    # Friday 02-13 -> Saturday 02-14 is worked; then 02-15..02-23 off; Tuesday 02-24 is the next working day.
    assert shift_workdays(D(2026, 2, 13), 1) == WorkdayResult(date=D(2026, 2, 14), provisional=False)
    assert shift_workdays(D(2026, 2, 14), 1) == WorkdayResult(date=D(2026, 2, 24), provisional=False)
    assert shift_workdays(D(2026, 2, 24), -1).date == D(2026, 2, 14)
    assert is_workday(D(2026, 2, 17)) == (False, False)
    assert day_info(D(2026, 2, 17)).name == "春节"
    assert is_workday(D(2026, 2, 28)) == (True, False)  # Saturday, worked
    # d in (02-13, 02-28]: 02-14, 02-24..02-27, 02-28.
    assert count_workdays(D(2026, 2, 13), D(2026, 2, 28)).count == 6


def test_days_zero_returns_start_unchanged_even_on_a_holiday():
    assert shift_workdays(D(2026, 10, 1), 0) == WorkdayResult(date=D(2026, 10, 1), provisional=False)
    assert shift_workdays(D(FALLBACK_YEAR, 10, 2), 0) == WorkdayResult(date=D(FALLBACK_YEAR, 10, 2), provisional=False)


def test_start_is_never_counted():
    # From a holiday, one working day forward is the first working day after it.
    assert shift_workdays(D(2026, 10, 3), 1).date == D(2026, 10, 8)
    assert shift_workdays(D(2026, 10, 8), 1).date == D(2026, 10, 9)


@pytest.mark.parametrize("days", [-250, -61, -3, -1, 1, 2, 5, 60, 250])
@pytest.mark.parametrize("start", [D(2026, 1, 1), D(2026, 2, 15), D(2026, 9, 27), D(2026, 12, 30)])
def test_count_is_the_inverse_of_shift(start, days):
    result = shift_workdays(start, days)
    assert count_workdays(start, result.date).count == days


# --- coverage detection and the provisional fallback --------------------------------------------------------


def test_official_coverage_matches_chinese_calendar():
    chinese_calendar.is_workday(D(OFFICIAL_MAX_YEAR, 12, 31))  # covered: does not raise
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(OFFICIAL_MAX_YEAR + 1, 1, 1))
    assert is_workday(D(OFFICIAL_MAX_YEAR, 12, 31))[1] is False
    assert is_workday(D(OFFICIAL_MAX_YEAR + 1, 1, 4))[1] is True


def test_fallback_year_is_provisional_with_holidays_package_dates():
    # holidays.China(2028): National Day 10-01..10-03, 10-04 in lieu of Sunday 10-01; adjusted working days
    # are not predicted, so Saturday 10-07 stays a rest day.
    assert is_workday(D(FALLBACK_YEAR, 10, 2)) == (False, True)
    assert day_info(D(FALLBACK_YEAR, 10, 2)).name == "国庆节"
    assert is_workday(D(FALLBACK_YEAR, 10, 7)) == (False, True)
    assert is_workday(D(FALLBACK_YEAR, 10, 9)) == (True, True)
    # Friday 09-29 + 1: 09-30 Sat, 10-01..10-04 holiday, 10-05 Thursday.
    assert shift_workdays(D(FALLBACK_YEAR, 9, 29), 1) == WorkdayResult(date=D(FALLBACK_YEAR, 10, 5), provisional=True)


def test_shift_crossing_into_an_unpublished_year_is_provisional():
    assert shift_workdays(D(OFFICIAL_MAX_YEAR, 12, 21), 5).provisional is False  # 12-22..12-28, same year
    assert shift_workdays(D(OFFICIAL_MAX_YEAR, 12, 21), 15).provisional is True
    assert count_workdays(D(OFFICIAL_MAX_YEAR, 12, 1), D(OFFICIAL_MAX_YEAR + 1, 1, 10)).provisional is True


# --- administrator overrides win ----------------------------------------------------------------------------


def test_override_weekend_to_workday_wins_and_is_not_provisional():
    CalendarOverride.objects.create(date=D(FALLBACK_YEAR, 10, 7), is_workday=True, name="国庆节调休上班")
    assert is_workday(D(FALLBACK_YEAR, 10, 7)) == (True, False)
    assert day_info(D(FALLBACK_YEAR, 10, 7)).kind is DayKind.ADJUSTED_WORKDAY
    # Friday 10-06 + 1 consults only the overridden Saturday: certain.
    assert shift_workdays(D(FALLBACK_YEAR, 10, 6), 1) == WorkdayResult(date=D(FALLBACK_YEAR, 10, 7), provisional=False)
    # Going further consults fallback days again.
    assert shift_workdays(D(FALLBACK_YEAR, 10, 6), 2) == WorkdayResult(date=D(FALLBACK_YEAR, 10, 9), provisional=True)


def test_override_weekday_to_holiday_wins__3_1_2():
    CalendarOverride.objects.create(date=D(2026, 9, 29), is_workday=False, name="公司活动日")
    assert is_workday(D(2026, 9, 29)) == (False, False)
    assert day_info(D(2026, 9, 29)).name == "公司活动日"
    assert shift_workdays(D(2026, 10, 9), -3) == WorkdayResult(date=D(2026, 9, 28), provisional=False)
    assert count_workdays(D(2026, 9, 27), D(2026, 9, 30)).count == 2


def test_override_beats_official_adjusted_workday():
    CalendarOverride.objects.create(date=D(2026, 10, 10), is_workday=False)
    assert is_workday(D(2026, 10, 10)) == (False, False)
    assert day_info(D(2026, 10, 10)).kind is DayKind.WEEKEND
    assert shift_workdays(D(2026, 9, 30), 3).date == D(2026, 10, 12)


# --- guards and query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [3661, -3661, 10**12])
def test_absurd_shift_is_rejected_in_chinese(days):
    with pytest.raises(ValueError, match="工作日数超出范围") as raised:
        shift_workdays(D(2026, 10, 9), days)
    assert isinstance(raised.value, ValidationFailed)
    assert list(raised.value.errors) == ["days"]


def test_largest_allowed_shift_works():
    assert shift_workdays(D(2026, 1, 1), 3660).date > D(2040, 1, 1)
    assert shift_workdays(D(2026, 1, 1), -3660).date < D(2012, 1, 1)


def test_shift_past_the_end_of_the_calendar_is_rejected():
    with pytest.raises(ValueError, match="日期超出"):
        shift_workdays(D(9999, 12, 30), 3)
    with pytest.raises(ValueError, match="日期超出"):
        shift_workdays(D(1, 1, 2), -3)


def test_absurd_count_span_is_rejected():
    with pytest.raises(ValueError, match="日期跨度过大"):
        count_workdays(D(2000, 1, 1), D(2030, 1, 1))


def test_shift_rejects_non_int_days():
    with pytest.raises(TypeError):
        shift_workdays(D(2026, 10, 9), 1.5)


def test_sixty_workday_shift_is_one_query(django_assert_num_queries):
    CalendarOverride.objects.create(date=D(2026, 11, 2), is_workday=False)
    with django_assert_num_queries(1):
        shift_workdays(D(2026, 10, 9), 60)
    with django_assert_num_queries(1):
        shift_workdays(D(2026, 10, 9), -60)
    with django_assert_num_queries(1):
        count_workdays(D(2026, 1, 1), D(2026, 12, 31))


def test_long_run_of_days_off_extends_the_window_with_few_queries(django_assert_max_num_queries):
    # An administrator closes the company for 40 days: the first window (2*5+31 days) runs out, one more follows.
    start = D(2026, 11, 1)
    CalendarOverride.objects.bulk_create(
        CalendarOverride(date=start + datetime.timedelta(days=offset), is_workday=False) for offset in range(1, 41)
    )
    with django_assert_max_num_queries(2):
        result = shift_workdays(start, 5)
    # Closed 11-02..12-11 (Friday); back on Monday 12-14: 12-14, 15, 16, 17, 18.
    assert result.date == D(2026, 12, 18)


def test_library_lookups_are_cached_per_year():
    services._year_data.cache_clear()
    shift_workdays(D(2026, 10, 9), -60)
    shift_workdays(D(2026, 10, 9), 40)
    info = services._year_data.cache_info()
    assert info.misses == 1
    assert info.hits > 0
