"""Database expressions for the finance analytics (policy 5.3.2) that give the same, exact numbers on SQLite and
PostgreSQL.

Money: SQLite keeps a DecimalField as a REAL, so SUM() over amounts adds binary floats (0.10 + 0.20 is
0.30000000000000004, and a million lines drift by more than a fen). Every sum is therefore taken over whole fen:
ROUND(amount × 100) cast to a 64-bit integer is exact on both engines (each amount has at most two places, and a
double holds 14 digits exactly), integer sums are exact, and the total goes back to yuan as a Decimal.

Days of stay: calendar days on the visit's local (Shanghai) dates, both ends included, as
Reception.days_of_stay counts them — here in SQL, so visitor-days are summed in the database."""

from decimal import Decimal

from django.db.models import BigIntegerField, DateField, F, Func, IntegerField, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round, TruncDate

from jiedai.receptions.models import LOCAL_TZ


def fen(field: str):
    """The amount in `field` as whole fen (an exact integer on both engines)."""
    return Cast(Round(F(field) * 100), output_field=BigIntegerField())


def sum_fen(field: str, **extra):
    """SUM of an amount in fen, 0 when there is none."""
    return Coalesce(Sum(fen(field), **extra), Value(0), output_field=BigIntegerField())


def yuan(value) -> Decimal:
    """Fen from the database (an int on SQLite, a Decimal from PostgreSQL's SUM(bigint)) back to exact yuan."""
    return Decimal(int(value or 0)).scaleb(-2)


class DaysBetween(Func):
    """Whole days from the second date to the first (end − start): PostgreSQL subtracts dates to an integer;
    SQLite subtracts Julian day numbers."""

    arity = 2
    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def local_date(field: str):
    return TruncDate(field, tzinfo=LOCAL_TZ, output_field=DateField())


def days_of_stay(start: str = "visit_start", end: str = "visit_end"):
    """Calendar days of the visit on local dates, both ends included (policy 2.1.1, as Reception.days_of_stay)."""
    return DaysBetween(local_date(end), local_date(start)) + Value(1)
