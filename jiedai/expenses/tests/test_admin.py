"""The money records in the admin: standards and categories editable, budgets and claims read-only (they change
through their flows)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["claim", "invoice", "payment", "budget", "coststandard", "expensecategory"])
def test_expenses_admin_pages_open_for_the_superuser(client, people, model):
    client.force_login(people["sysadmin"])
    assert client.get(reverse(f"admin:expenses_{model}_changelist")).status_code == 200
