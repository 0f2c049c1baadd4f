"""Building blocks for the JSON API's schemas (shared by the apps' api.py): the error body, text that may not
hold NUL bytes (PostgreSQL refuses them in text columns, which would end in a 500), and datetimes that read a
naive value as Shanghai time."""

import datetime
import zoneinfo
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")  # the company's zone: naive input is read in it, output shown in it
# The largest primary key the databases store (a signed 64-bit integer); SQLite raises OverflowError beyond it.
MAX_ID = 2**63 - 1
# Datetimes far outside a business's horizon overflow when converted between zones; keep them out.
MIN_YEAR, MAX_YEAR = 1970, 2999


class ErrorOut(Schema):
    """Every error: a sentence for people and, where it applies, messages per field ("clients.0.name")."""

    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text may not contain NUL characters")
    return value


def Text(max_length: int):  # noqa: N802 - reads like a type in schemas: `purpose: Text(5000)`
    """A string of at most `max_length` characters with no NUL bytes."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise PydanticCustomError("email", "Not a valid e-mail address") from None
    return value


Email = Annotated[Text(254), AfterValidator(_email)]


def _iso_only(value: Any) -> Any:
    # pydantic would also take numbers as Unix timestamps; the API speaks ISO 8601 only.
    if isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "Expected an ISO 8601 datetime string")
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text may not contain NUL characters")
    return value


def _local_if_naive(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    try:
        year = value.astimezone(datetime.UTC).year
    except OverflowError:
        year = 0
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PydanticCustomError("datetime_range", "Datetime out of range")
    return value


# ISO 8601; a value without an offset is read as Asia/Shanghai time.
LocalDateTime = Annotated[datetime.datetime, BeforeValidator(_iso_only), AfterValidator(_local_if_naive)]


def local(value: datetime.datetime | None) -> datetime.datetime | None:
    """For output: shown in the company's zone with its offset (e.g. 2026-12-01T09:00:00+08:00)."""
    return value.astimezone(LOCAL_TZ) if value is not None else None


def error_responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """For `response=`: documents the error body for these status codes in the OpenAPI schema."""
    return dict.fromkeys(codes, ErrorOut)
