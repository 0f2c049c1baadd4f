"""The money filter: ¥ with thousands grouped, two places rounded half up (DESIGN: money), the sign before ¥."""

from decimal import Decimal

import pytest

from jiedai.core.templatetags.jiedai import money


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("25000"), "¥25,000.00"),
        (Decimal("0.125"), "¥0.13"),
        (Decimal("-3330.005"), "-¥3,330.01"),
        ("-0.001", "¥0.00"),
        (None, "—"),
        ("abc", "abc"),
    ],
)
def test_money_is_shown_as_accountants_write_it(value, shown):
    assert money(value) == shown
