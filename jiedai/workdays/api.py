"""The working-day calendar for integrators: GET /api/v1/workdays/shift."""

import datetime

from ninja import Query, Router, Schema

from jiedai.workdays.services import shift_workdays

router = Router(tags=["workdays"])


class ShiftIn(Schema):
    date: datetime.date
    days: int


class ShiftOut(Schema):
    date: datetime.date
    provisional: bool


@router.get("/shift", response=ShiftOut, summary="按工作日推算日期")
def shift(request, params: Query[ShiftIn]):
    """The `days`-th working day after `date` (before it when negative; 0 returns `date`). `provisional` is
    true when a day on the way comes from the fallback calendar of a year whose official schedule is not
    published yet. |days| > 3660 answers 422."""
    # Out-of-range input raises WorkdayRangeError, a ValidationFailed: the API maps it to 422 with errors.days.
    result = shift_workdays(params.date, params.days)
    return {"date": result.date, "provisional": result.provisional}
