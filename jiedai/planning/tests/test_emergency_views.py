"""policy 3.3.1–3.3.2: the emergency pages — the company's templates at /emergency/ (every member of staff reads,
administration writes, revises and drills; 未按期演练 flagged) and the plan's 应急预案 tab (editors attach, adapt,
re-sync, remove; readers read; outsiders get 404). List pages run a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse

from jiedai.core.models import SystemSetting
from jiedai.planning.models import EmergencyDrill, EmergencyTemplate, PlanEmergency
from jiedai.planning.review import plan_submit
from jiedai.planning.selectors_emergency import VISIT_CONTACTS_MARKER, local_today
from jiedai.planning.services.emergency import plan_emergency_attach, template_create, template_revise
from jiedai.planning.tests.factories import plan_for, ready_plan

pytestmark = pytest.mark.django_db

CONTENT = {
    "procedure": "1. 发现停电后通知行政部\n2. 启用备用会议室",
    "responsibilities": "行政部接待岗：启用备用会议室",
    "contacts": "行政部值班：8001",
}


def login(client, people, username):
    client.force_login(people[username])
    return client


def _template(people, name="停电应急预案", scenario="equipment_failure"):
    return template_create(by=people["admin_clerk"], data={"name": name, "scenario": scenario, **CONTENT})


def _attach(people, plan, template, with_contacts=False):
    return plan_emergency_attach(
        reception_id=plan.reception_id,
        by=people["sales_rep"],
        data={"template": template, "with_contacts": with_contacts},
    )


# ---- /emergency/: the templates ---------------------------------------------------------------------------


def test_template_pages_need_login(client, people):
    template = _template(people)
    for url in (
        reverse("planning:emergency_templates"),
        reverse("planning:emergency_template", args=[template.pk]),
        reverse("planning:emergency_template_create"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("username", ["tech_eng", "fin_clerk", "gm"])
def test_every_member_of_staff_reads_the_templates_but_does_not_edit(client, people, username):
    template = _template(people)
    count = EmergencyTemplate.objects.count()
    login(client, people, username)
    listing = client.get(reverse("planning:emergency_templates")).content.decode()
    assert template.name in listing and reverse("planning:emergency_template_create") not in listing
    detail = client.get(reverse("planning:emergency_template", args=[template.pk])).content.decode()
    assert (
        "启用备用会议室" in detail and reverse("planning:emergency_template_revise", args=[template.pk]) not in detail
    )
    for url in (
        reverse("planning:emergency_template_create"),
        reverse("planning:emergency_template_revise", args=[template.pk]),
        reverse("planning:emergency_drill_create", args=[template.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {**CONTENT, "name": "x", "scenario": "other", "reason": "y"}).status_code == 403
    assert EmergencyTemplate.objects.count() == count and not EmergencyDrill.objects.exists()


def test_unknown_template_is_404(client, people):
    login(client, people, "admin_clerk")
    assert client.get(reverse("planning:emergency_template", args=[999999])).status_code == 404
    assert client.get(reverse("planning:emergency_template_revise", args=[999999])).status_code == 404


def test_the_list_flags_templates_not_drilled_in_time(client, people):
    """policy 3.3.2: 未按期演练 when not drilled within drill_interval_months (here: counted from creation)."""
    template = _template(people)
    login(client, people, "admin_clerk")
    assert "未按期演练" not in client.get(reverse("planning:emergency_templates")).content.decode()
    SystemSetting.objects.update_or_create(key="drill_interval_months", defaults={"value": "1"})
    drill_date = local_today() - timedelta(days=70)
    client.post(
        reverse("planning:emergency_drill_create", args=[template.pk]),
        {"date": drill_date.isoformat(), "scenario": "一号会议室停电", "participants": "行政部、IT"},
    )
    page = client.get(reverse("planning:emergency_templates")).content.decode()
    assert "未按期演练" in page and drill_date.strftime("%Y-%m-%d") in page


@pytest.mark.parametrize("rows", [1, 12])
def test_template_list_query_count_is_fixed(client, people, rows, django_assert_num_queries):
    for i in range(rows):
        template = _template(people, name=f"预案{i}")
        template_revise(template_id=template.pk, by=people["admin_clerk"], data={"reason": "复核", "contacts": "8002"})
    login(client, people, "tech_eng")
    client.get(reverse("planning:emergency_templates"))  # warm the session
    # session, user, the setting, the annotated templates, the user's roles (can_manage); the menu's three
    with django_assert_num_queries(8):
        response = client.get(reverse("planning:emergency_templates"))
    assert response.status_code == 200 and response.content.decode().count("第 2 版") == 2 * rows


def test_administration_creates_a_template(client, people):
    login(client, people, "admin_clerk")
    assert client.get(reverse("planning:emergency_template_create")).status_code == 200
    response = client.post(reverse("planning:emergency_template_create"), {"name": "", "scenario": "", **CONTENT})
    assert response.status_code == 200 and "请填写预案名称。" in response.content.decode()
    response = client.post(
        reverse("planning:emergency_template_create"), {"name": "停电应急预案", "scenario": "other", **CONTENT}
    )
    template = EmergencyTemplate.objects.get(name="停电应急预案")
    assert response.status_code == 302 and response["Location"] == reverse(
        "planning:emergency_template", args=[template.pk]
    )
    assert template.revisions.get().revised_by == people["admin_clerk"]


def test_administration_revises_with_a_reason_and_the_history_shows_it(client, people):
    template = _template(people)
    login(client, people, "admin_clerk")
    url = reverse("planning:emergency_template_revise", args=[template.pk])
    page = client.get(url).content.decode()
    assert "修订为第 2 版" in page and "行政部值班：8001" in page
    form = {
        "name": template.name,
        "scenario": template.scenario,
        **CONTENT,
        "is_active": "on",
        "expected_revision": "1",
    }
    response = client.post(url, {**form, "contacts": "保安室：8110", "reason": ""})
    assert response.status_code == 200 and "请填写修订原因。" in response.content.decode()
    response = client.post(url, {**form, "reason": "例行复核"})  # nothing changed
    assert response.status_code == 200 and "内容没有变化" in response.content.decode()
    response = client.post(url, {**form, "contacts": "保安室：8110", "reason": "演练发现缺少保安室电话"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.revision == 2 and template.contacts == "保安室：8110"
    # Posting the stale form again (revision 1) is a conflict: a message and back to the template.
    response = client.post(url, {**form, "contacts": "8888", "reason": "重复提交"}, follow=True)
    assert "已被他人修订为第 2 版" in response.content.decode()
    detail = client.get(reverse("planning:emergency_template", args=[template.pk])).content.decode()
    assert "演练发现缺少保安室电话" in detail and "郑洁" in detail and "第 1 版" in detail


def test_administration_records_a_drill(client, people):
    template = _template(people)
    login(client, people, "admin_clerk")
    url = reverse("planning:emergency_drill_create", args=[template.pk])
    assert client.get(url).status_code == 200
    future = (local_today() + timedelta(days=2)).isoformat()
    response = client.post(url, {"date": future, "scenario": "", "participants": "行政部"})
    page = response.content.decode()
    assert response.status_code == 200 and "演练日期不能晚于今天" in page and "请填写演练情景。" in page
    response = client.post(
        url,
        {
            "date": local_today().isoformat(),
            "scenario": "客户参观途中晕厥",
            "participants": "行政部、安全管理员",
            "evaluation": "8 分钟内送医",
            "findings": "AED 位置标识不清",
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("planning:emergency_template", args=[template.pk])).content.decode()
    assert "AED 位置标识不清" in detail and "客户参观途中晕厥" in detail


# ---- the plan's tab ----------------------------------------------------------------------------------------


def test_outsiders_do_not_see_the_plans_emergency_tab_and_readers_cannot_change_it(client, people):
    plan = plan_for(people)
    copy = _attach(people, plan, _template(people))
    pk = plan.reception_id
    login(client, people, "tech_eng")  # not part of this normal visit
    assert client.get(reverse("planning:emergency", args=[pk])).status_code == 404
    assert client.post(reverse("planning:emergency_attach", args=[pk])).status_code == 404
    login(client, people, "admin_clerk")  # copied on approval: reads the plan, does not edit it
    page = client.get(reverse("planning:emergency", args=[pk])).content.decode()
    assert "启用备用会议室" in page and reverse("planning:emergency_attach", args=[pk]) not in page
    assert client.get(reverse("planning:emergency_edit", args=[pk, copy.pk])).status_code == 403
    assert client.post(reverse("planning:emergency_edit", args=[pk, copy.pk]), CONTENT).status_code == 403
    assert client.post(reverse("planning:emergency_remove", args=[pk, copy.pk])).status_code == 403
    template = _template(people, name="第二个预案")
    assert client.post(reverse("planning:emergency_attach", args=[pk]), {"template": template.pk}).status_code == 403
    assert PlanEmergency.objects.filter(plan=plan).count() == 1


def test_editor_attaches_a_template_with_this_visits_contacts_then_adapts_it(client, people):
    plan = ready_plan(people, with_emergency=False)
    template = _template(people)
    pk = plan.reception_id
    login(client, people, "sales_rep")
    page = client.get(reverse("planning:emergency", args=[pk])).content.decode()
    assert "本方案还没有应急预案" in page and template.name in page
    response = client.post(reverse("planning:emergency_attach", args=[pk]), {"template": "", "with_contacts": "on"})
    assert response.status_code == 200 and "请选择一个启用中的应急预案模板" in response.content.decode()
    response = client.post(
        reverse("planning:emergency_attach", args=[pk]), {"template": template.pk, "with_contacts": "on"}
    )
    copy = PlanEmergency.objects.get(plan=plan)
    assert response["Location"] == reverse("planning:emergency_edit", args=[pk, copy.pk])
    assert VISIT_CONTACTS_MARKER in copy.contacts and "王小明" in copy.contacts
    edit = reverse("planning:emergency_edit", args=[pk, copy.pk])
    assert "王小明" in client.get(edit).content.decode()
    response = client.post(edit, {**CONTENT, "contacts": "", "action": "save"})
    assert response.status_code == 200 and "请填写联系人及电话。" in response.content.decode()
    response = client.post(edit, {**CONTENT, "contacts": "值班：王小明 13800001111", "action": "save"})
    assert response.status_code == 302 and response["Location"].endswith(f"#emergency-{copy.pk}")
    copy.refresh_from_db()
    assert copy.contacts == "值班：王小明 13800001111"


def test_prefill_writes_the_contacts_block_into_the_form_without_saving(client, people):
    plan = ready_plan(people, with_emergency=False)
    copy = _attach(people, plan, _template(people))
    login(client, people, "sales_rep")
    edit = reverse("planning:emergency_edit", args=[plan.reception_id, copy.pk])
    response = client.post(edit, {**CONTENT, "contacts": "尚未保存的修改", "action": "prefill"})
    page = response.content.decode()
    assert response.status_code == 200 and "尚未保存的修改" in page and VISIT_CONTACTS_MARKER in page
    assert "王小明（接待负责人、客户联系人）" in page
    copy.refresh_from_db()
    assert copy.contacts == CONTENT["contacts"]


def test_a_revised_template_is_announced_on_the_tab_and_re_synced(client, people):
    plan = plan_for(people)
    template = _template(people)
    copy = _attach(people, plan, template, with_contacts=True)
    template_revise(
        template_id=template.pk,
        by=people["admin_clerk"],
        data={"reason": "增加保安室电话", "contacts": "行政部值班：8001；保安室：8110"},
    )
    pk = plan.reception_id
    login(client, people, "sales_rep")
    tab = client.get(reverse("planning:emergency", args=[pk])).content.decode()
    resync = reverse("planning:emergency_edit", args=[pk, copy.pk]) + "?resync=1"
    assert "模板已更新至第 2 版" in tab and resync.replace("&", "&amp;") in tab
    page = client.get(resync).content.decode()
    assert "增加保安室电话" in page and "保安室：8110" in page and VISIT_CONTACTS_MARKER in page
    assert 'name="template_revision" value="2"' in page
    response = client.post(
        resync, {**CONTENT, "contacts": "保安室：8110；值班：王小明", "template_revision": "2", "action": "save"}
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.template_revision == 2
    assert "模板已更新至" not in client.get(reverse("planning:emergency", args=[pk])).content.decode()


def test_editor_removes_a_copy(client, people):
    plan = plan_for(people)
    copy = _attach(people, plan, _template(people))
    login(client, people, "sales_rep")
    assert client.get(reverse("planning:emergency_remove", args=[plan.reception_id, copy.pk])).status_code == 405
    response = client.post(reverse("planning:emergency_remove", args=[plan.reception_id, copy.pk]))
    assert response.status_code == 302 and not PlanEmergency.objects.filter(plan=plan).exists()


def test_under_review_the_tab_is_read_only(client, people):
    plan = ready_plan(people, with_emergency=False)
    copy = _attach(people, plan, _template(people))
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    pk = plan.reception_id
    login(client, people, "sales_rep")
    page = client.get(reverse("planning:emergency", args=[pk])).content.decode()
    assert "方案正在审核中" in page and reverse("planning:emergency_edit", args=[pk, copy.pk]) not in page
    response = client.get(reverse("planning:emergency_edit", args=[pk, copy.pk]))
    assert response.status_code == 302
    response = client.post(reverse("planning:emergency_remove", args=[pk, copy.pk]), follow=True)
    assert "方案正在审核中" in response.content.decode() and PlanEmergency.objects.filter(pk=copy.pk).exists()


@pytest.mark.parametrize("rows", [1, 5])
def test_plan_tab_query_count_is_fixed(client, people, rows, django_assert_num_queries):
    plan = plan_for(people)
    for i in range(rows):
        _attach(people, plan, _template(people, name=f"预案{i}"))
    _template(people, name="未添加的预案")
    login(client, people, "sales_rep")
    url = reverse("planning:emergency", args=[plan.reception_id])
    client.get(url)
    # session, user, roles, the request, its plan, the calendar (deadline), the copies, the picker (whether it has
    # choices, then the choices) and the menu's three
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('id="emergency-') == rows
