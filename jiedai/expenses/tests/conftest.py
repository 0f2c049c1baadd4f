"""The money tests' clock. The factories can only create visits ahead (approved_reception: a month from now), and
the claims' tests date their invoices on those visits; an invoice is never dated after today (policy 5.2.2), so
here the claims' "today" (services.claims.claims_today) is a year on — after every such visit. Tests of that rule
set it themselves (see test_invoice_checks.py)."""

from datetime import timedelta

import pytest


@pytest.fixture(scope="session", autouse=True)
def _claims_are_entered_after_the_visits():
    from jiedai.expenses.services import claims

    real = claims.claims_today
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claims, "claims_today", lambda: real() + timedelta(days=365))
        yield
