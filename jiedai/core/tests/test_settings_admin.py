"""The run-time settings in the admin (the policy's [X] numbers and the company's invoice details, policy 5.2.2):
a text setting can be emptied (meaning "not set"), a number cannot, and a bad value is refused in Chinese."""

import pytest
from django.urls import reverse

from jiedai.core.models import SystemSetting
from jiedai.core.runtime_settings import get_setting

pytestmark = pytest.mark.django_db


def _save(client, setting, value):
    url = reverse("admin:core_systemsetting_change", args=[setting.pk])
    return client.post(url, {"key": setting.key, "value": value})


def test_the_company_tax_id_can_be_emptied_to_turn_the_buyer_check_off(client, people):
    setting, _ = SystemSetting.objects.update_or_create(key="company_tax_id", defaults={"value": "91310000MA1FL8XQ3B"})
    client.force_login(people["sysadmin"])
    response = _save(client, setting, "")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert get_setting("company_tax_id") == ""


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("gm_cost_threshold", "", "必须是金额"),
        ("plan_lead_workdays", "", "必须是非负整数"),
        ("plan_lead_workdays", "三", "必须是非负整数"),
        ("company_tax_id", "123", "统一社会信用代码应为 18 位"),
    ],
)
def test_a_bad_value_is_refused_in_chinese_and_nothing_changes(client, people, key, value, message):
    setting, _ = SystemSetting.objects.get_or_create(key=key, defaults={"value": "3" if "workdays" in key else "1"})
    before = SystemSetting.objects.get(pk=setting.pk).value
    client.force_login(people["sysadmin"])
    response = _save(client, setting, value)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SystemSetting.objects.get(pk=setting.pk).value == before
