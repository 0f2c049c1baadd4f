"""policy 3.3.1–3.3.2: emergency plan templates (procedure, responsibilities, contacts) kept by administration,
drilled and revised with a recorded reason; each visit's plan carries adapted copies that change like any other
part of the plan."""

from datetime import date, timedelta

import pytest

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.core.models import SystemSetting
from jiedai.planning.emergency_seeds import SEED_TEMPLATES, ensure_emergency_templates
from jiedai.planning.models import (
    EmergencyTemplate,
    EmergencyTemplateRevision,
    PlanAction,
    PlanEmergency,
    PlanStatus,
    StaffAssignment,
    StaffRole,
)
from jiedai.planning.review import plan_submit
from jiedai.planning.selectors_emergency import (
    VISIT_CONTACTS_MARKER,
    add_months,
    local_today,
    plan_emergencies,
    template_listing,
    templates_overdue_for_drill,
    visit_contacts_block,
    with_visit_contacts,
)
from jiedai.planning.services.emergency import (
    drill_record,
    plan_emergency_attach,
    plan_emergency_remove,
    plan_emergency_update,
    template_create,
    template_revise,
)
from jiedai.planning.tests.factories import plan_for, ready_plan

pytestmark = pytest.mark.django_db

CONTENT = {
    "procedure": "1. 发现停电后通知行政部\n2. 启用备用会议室",
    "responsibilities": "行政部接待岗：启用备用会议室",
    "contacts": "行政部值班：8001",
}


def _template(people, name="停电应急预案", scenario="equipment_failure", by="admin_clerk", **overrides):
    return template_create(by=people[by], data={"name": name, "scenario": scenario, **CONTENT, **overrides})


def _revise(people, template, by="admin_clerk", **data):
    return template_revise(
        template_id=template.pk,
        by=people[by],
        data={"reason": "演练发现备用会议室钥匙无人保管", "contacts": "行政部值班：8001；保安室：8110", **data},
    )


# ---- the seed templates -------------------------------------------------------------------------------------


def test_seed_creates_the_missing_templates_with_revision_one_and_is_idempotent(people):
    """policy 3.3.1: itinerary change, bad weather, equipment failure, health incident, plus transport delays."""
    ensure_emergency_templates()
    names = [spec["name"] for spec in SEED_TEMPLATES]
    templates = EmergencyTemplate.objects.filter(name__in=names)
    assert templates.count() == len(SEED_TEMPLATES) == 5
    assert set(templates.values_list("scenario", flat=True)) == {
        "itinerary_change",
        "bad_weather",
        "equipment_failure",
        "health_incident",
        "other",
    }
    for template in templates:
        first = template.revisions.get()
        assert (first.revision, first.procedure, first.contacts) == (1, template.procedure, template.contacts)
    assert ensure_emergency_templates() == 0
    assert EmergencyTemplateRevision.objects.filter(template__name__in=names).count() == 5


def test_seed_never_touches_a_template_administration_revised(people):
    ensure_emergency_templates()
    weather = EmergencyTemplate.objects.get(name="恶劣天气应急预案")
    _revise(people, weather)
    EmergencyTemplate.objects.filter(name="客户行程变更应急预案").update(name="行程变更预案（公司版）")
    ensure_emergency_templates()  # recreates the renamed one by its seed name, leaves the revised one alone
    weather.refresh_from_db()
    assert weather.revision == 2 and "保安室" in weather.contacts
    assert EmergencyTemplate.objects.filter(name="客户行程变更应急预案").exists()


# ---- templates: create, revise, drill (administration only) -------------------------------------------------


def test_administration_creates_a_template_with_its_first_revision(people):
    template = _template(people)
    assert (template.revision, template.is_active) == (1, True)
    first = template.revisions.get()
    assert first.revised_by == people["admin_clerk"] and first.reason and first.contacts == CONTENT["contacts"]


def test_a_superuser_may_manage_templates_too(people):
    assert _template(people, by="sysadmin").revisions.get().revised_by == people["sysadmin"]


@pytest.mark.parametrize("username", ["sales_rep", "sales_head", "gm", "fin_clerk", "admin_head"])
def test_only_administration_writes_templates(people, username):
    """admin_head heads the administration department but does not hold the role: the role decides."""
    with pytest.raises(Forbidden):
        _template(people, by=username)
    template = _template(people)
    with pytest.raises(Forbidden):
        _revise(people, template, by=username)
    with pytest.raises(Forbidden):
        drill_record(
            template_id=template.pk,
            by=people[username],
            data={"date": local_today(), "scenario": "停电", "participants": "全体"},
        )


def test_incomplete_or_duplicate_template_is_refused_field_by_field(people):
    with pytest.raises(ValidationFailed) as exc:
        template_create(by=people["admin_clerk"], data={"name": " ", "scenario": "flood", "procedure": "x"})
    assert set(exc.value.errors) == {"name", "scenario", "responsibilities", "contacts"}
    _template(people)
    with pytest.raises(ValidationFailed) as exc:
        _template(people)
    assert set(exc.value.errors) == {"name"}


def test_revision_needs_a_reason_and_records_who_when_why_and_the_new_content(people):
    """policy 3.3.2: revised after drills, with history."""
    template = _template(people)
    with pytest.raises(ValidationFailed) as exc:
        _revise(people, template, reason="  ")
    assert set(exc.value.errors) == {"reason"}
    template = _revise(people, template)
    assert template.revision == 2
    second = template.revisions.get(revision=2)
    assert second.contacts == "行政部值班：8001；保安室：8110" and second.procedure == CONTENT["procedure"]
    assert second.reason == "演练发现备用会议室钥匙无人保管" and second.revised_by == people["admin_clerk"]
    assert template.revisions.get(revision=1).contacts == "行政部值班：8001"  # the old text is kept


def test_revision_without_any_change_is_refused(people):
    template = _template(people)
    with pytest.raises(ValidationFailed):
        template_revise(template_id=template.pk, by=people["admin_clerk"], data={"reason": "例行复核"})
    template.refresh_from_db()
    assert template.revision == 1


def test_switching_a_template_off_is_a_revision_with_a_reason(people):
    template = _template(people)
    template = template_revise(
        template_id=template.pk, by=people["admin_clerk"], data={"reason": "场地已拆除", "is_active": False}
    )
    assert (template.is_active, template.revision) == (False, 2)


def test_revising_from_a_stale_revision_is_a_conflict(people):
    template = _template(people)
    _revise(people, template)
    with pytest.raises(ConflictError):
        template_revise(
            template_id=template.pk,
            by=people["admin_clerk"],
            data={"reason": "补充", "procedure": "新的步骤"},
            expected_revision=1,
        )


def test_drill_is_recorded_once_held_with_what_it_found(people):
    template = _template(people)
    with pytest.raises(ValidationFailed) as exc:
        drill_record(
            template_id=template.pk,
            by=people["admin_clerk"],
            data={"date": local_today() + timedelta(days=1), "scenario": "", "participants": ""},
        )
    assert set(exc.value.errors) == {"date", "scenario", "participants"}
    drill = drill_record(
        template_id=template.pk,
        by=people["admin_clerk"],
        data={
            "date": local_today(),
            "scenario": "一号会议室投影仪故障",
            "participants": "行政部、IT",
            "evaluation": "12 分钟切换完成",
            "findings": "备用钥匙无人保管",
        },
    )
    assert drill.recorded_by == people["admin_clerk"] and template.drills.get() == drill
    with pytest.raises(NotFound):
        drill_record(template_id=999999, by=people["admin_clerk"], data={})


# ---- drilled within the period (policy 3.3.2) ------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 12) == date(2026, 11, 15)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def _overdue(today, *templates):
    """templates_overdue_for_drill narrowed to the given templates (a data migration may have seeded others)."""
    ids = {t.pk for t in templates}
    return [t for t in templates_overdue_for_drill(today=today) if t.pk in ids]


def test_never_drilled_template_is_overdue_a_period_after_its_creation(people):
    template = _template(people)
    today = local_today()
    assert _overdue(add_months(today, 12), template) == []
    overdue = _overdue(add_months(today, 12) + timedelta(days=1), template)
    assert overdue == [template]
    assert overdue[0].drill.last_drill is None and overdue[0].drill.due == add_months(today, 12)


def test_the_period_runs_from_the_newest_drill(people):
    template = _template(people)
    today = local_today()
    data = {"scenario": "停电", "participants": "行政部"}
    drill_record(template_id=template.pk, by=people["admin_clerk"], data={**data, "date": today - timedelta(days=500)})
    later = add_months(today, 13)
    assert _overdue(today, template) == [template]  # the only drill is older than 12 months
    drill_record(template_id=template.pk, by=people["admin_clerk"], data={**data, "date": today - timedelta(days=30)})
    assert _overdue(today, template) == []
    assert _overdue(later, template) == [template]
    listed = next(t for t in template_listing(today=today) if t.pk == template.pk)
    assert listed.drill.last_drill == today - timedelta(days=30) and listed.drill_count == 2


def test_the_period_is_a_run_time_setting_and_zero_switches_the_reminder_off(people):
    template = _template(people)
    _template(people, name="已停用的预案")
    off = EmergencyTemplate.objects.get(name="已停用的预案")
    template_revise(template_id=off.pk, by=people["admin_clerk"], data={"reason": "不再适用", "is_active": False})
    soon = local_today() + timedelta(days=45)
    assert _overdue(soon, template, off) == []
    SystemSetting.objects.update_or_create(key="drill_interval_months", defaults={"value": "1"})
    assert _overdue(soon, template, off) == [template]  # switched-off templates are not reminded
    SystemSetting.objects.update_or_create(key="drill_interval_months", defaults={"value": "0"})
    assert _overdue(soon, template, off) == []


# ---- a plan's copies (policy 3.3.1) ------------------------------------------------------------------------


def _attach(people, plan, template, by="sales_rep", with_contacts=False):
    return plan_emergency_attach(
        reception_id=plan.reception_id,
        by=people[by],
        data={"template": template, "with_contacts": with_contacts},
        ip="10.0.0.8",
    )


def test_attaching_copies_the_current_text_and_revision_and_is_recorded(people):
    plan = plan_for(people)
    template = _revise(people, _template(people))
    version = plan.version
    copy = _attach(people, plan, template)
    assert (copy.template_revision, copy.procedure, copy.contacts) == (2, template.procedure, template.contacts)
    plan.refresh_from_db()
    assert plan.version == version + 1
    entry = plan.history.order_by("-id").first()
    assert entry.action == PlanAction.CHANGED and template.name in entry.summary and entry.ip == "10.0.0.8"


def test_attaching_names_this_visits_people_and_phones(people):
    plan = ready_plan(people)  # sales_rep is the lead and the client contact
    people["sales_rep"].phone = "13800001111"
    people["sales_rep"].save(update_fields=["phone"])
    StaffAssignment.objects.create(plan=plan, person=people["tech_eng"], role=StaffRole.GUIDE, is_client_contact=True)
    StaffAssignment.objects.create(plan=plan, person=people["admin_clerk"], role=StaffRole.WORKER)
    copy = _attach(people, plan, _template(people), with_contacts=True)
    head, block = copy.contacts.split(VISIT_CONTACTS_MARKER)
    assert head.strip() == CONTENT["contacts"]
    lines = block.strip().splitlines()
    assert lines[0] == "王小明（接待负责人、客户联系人）：13800001111"
    assert lines[1] == "张伟（客户联系人）：电话未登记"
    assert lines[2].startswith("来访方联系人：林海")
    assert "郑洁" not in copy.contacts  # a worker who is not a client contact is not listed


def test_the_contacts_block_is_replaced_not_repeated(people):
    plan = ready_plan(people)
    once = with_visit_contacts("行政部值班：8001", plan)
    twice = with_visit_contacts(once + "\n（旧的手写内容）", plan)
    assert twice == once and twice.count(VISIT_CONTACTS_MARKER) == 1
    assert with_visit_contacts("", plan) == visit_contacts_block(plan)


def test_without_staff_the_block_names_the_requests_lead(people):
    plan = plan_for(people)
    assert "王小明（牵头负责人）" in visit_contacts_block(plan)


def test_a_template_is_attached_once_and_only_while_active(people):
    plan = plan_for(people)
    template = _template(people)
    _attach(people, plan, template)
    with pytest.raises(ValidationFailed) as exc:
        _attach(people, plan, template)
    assert "template" in exc.value.errors
    off = template_revise(
        template_id=_template(people, name="旧预案").pk,
        by=people["admin_clerk"],
        data={"reason": "停用", "is_active": False},
    )
    with pytest.raises(ValidationFailed):
        _attach(people, plan, off)
    with pytest.raises(ValidationFailed):
        _attach(people, plan, None)
    assert PlanEmergency.objects.filter(plan=plan).count() == 1


def test_only_the_plans_editors_change_its_copies(people):
    plan = plan_for(people)
    template = _template(people)
    with pytest.raises(Forbidden):  # administration reads the plan (copied on approval) but does not edit it
        _attach(people, plan, template, by="admin_clerk")
    with pytest.raises(NotFound):  # tech is not part of this normal visit
        _attach(people, plan, template, by="tech_eng")
    copy = _attach(people, plan, template)
    with pytest.raises(Forbidden):
        plan_emergency_remove(reception_id=plan.reception_id, emergency_id=copy.pk, by=people["admin_clerk"])


def test_adapting_the_copy_keeps_the_template_and_is_recorded(people):
    plan = plan_for(people)
    template = _template(people)
    copy = _attach(people, plan, template)
    with pytest.raises(ValidationFailed) as exc:
        plan_emergency_update(
            reception_id=plan.reception_id,
            emergency_id=copy.pk,
            by=people["sales_rep"],
            data={**CONTENT, "contacts": ""},
        )
    assert set(exc.value.errors) == {"contacts"}
    copy = plan_emergency_update(
        reception_id=plan.reception_id,
        emergency_id=copy.pk,
        by=people["sales_rep"],
        data={**CONTENT, "contacts": "本次值班：王小明 13800001111"},
    )
    template.refresh_from_db()
    assert copy.contacts == "本次值班：王小明 13800001111" and template.contacts == CONTENT["contacts"]
    assert plan.history.filter(summary__startswith="修改应急预案").count() == 1
    # Saving the same text again changes nothing and records nothing.
    plan_emergency_update(
        reception_id=plan.reception_id,
        emergency_id=copy.pk,
        by=people["sales_rep"],
        data={**CONTENT, "contacts": "本次值班：王小明 13800001111"},
    )
    assert plan.history.filter(summary__startswith="修改应急预案").count() == 1


def test_a_revised_template_shows_on_the_copy_until_it_is_synced(people):
    plan = plan_for(people)
    template = _template(people)
    copy = _attach(people, plan, template)
    template = _revise(people, template)
    [row] = plan_emergencies(plan)
    assert row.outdated and row.template.revision == 2 and row.template_revision == 1
    with pytest.raises(ValidationFailed) as exc:  # not beyond the template's revision
        plan_emergency_update(
            reception_id=plan.reception_id,
            emergency_id=copy.pk,
            by=people["sales_rep"],
            data={**CONTENT, "template_revision": 3},
        )
    assert set(exc.value.errors) == {"template_revision"}
    copy = plan_emergency_update(
        reception_id=plan.reception_id,
        emergency_id=copy.pk,
        by=people["sales_rep"],
        data={**CONTENT, "contacts": template.contacts, "template_revision": 2},
    )
    assert copy.template_revision == 2
    assert not plan_emergencies(plan)[0].outdated
    assert plan.history.filter(summary__contains="同步到模板第 2 版").exists()
    with pytest.raises(ValidationFailed):  # nor back
        plan_emergency_update(
            reception_id=plan.reception_id,
            emergency_id=copy.pk,
            by=people["sales_rep"],
            data={**CONTENT, "template_revision": 1},
        )


def test_removing_a_copy_is_recorded_and_the_template_stays(people):
    plan = plan_for(people)
    template = _template(people)
    copy = _attach(people, plan, template)
    plan_emergency_remove(reception_id=plan.reception_id, emergency_id=copy.pk, by=people["sales_rep"])
    assert not PlanEmergency.objects.filter(plan=plan).exists()
    assert EmergencyTemplate.objects.filter(pk=template.pk).exists()
    assert plan.history.filter(summary=f"移除应急预案：{template.name}").exists()
    with pytest.raises(NotFound):
        plan_emergency_remove(reception_id=plan.reception_id, emergency_id=copy.pk, by=people["sales_rep"])


def test_a_copy_of_another_plan_is_not_found(people):
    first, second = plan_for(people), plan_for(people, purpose="第二批客户来访")
    copy = _attach(people, first, _template(people))
    with pytest.raises(NotFound):
        plan_emergency_update(
            reception_id=second.reception_id, emergency_id=copy.pk, by=people["sales_rep"], data=CONTENT
        )


def test_copies_are_frozen_under_review_and_changes_after_confirmation_are_announced(people):
    """policy 3.1.2: the copies are part of the plan: no change while under review; after confirmation a change
    is recorded as such."""
    plan = ready_plan(people)
    template = _template(people)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    with pytest.raises(ConflictError):
        _attach(people, plan, template)
    task = ApprovalTask.objects.get(
        document_type="reception_plan", document_id=plan.pk, status=TaskStatus.PENDING, assignee=people["sales_head"]
    )
    approval_task_decide(task_id=task.pk, by=people["sales_head"], decision="approve", comment="")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED
    _attach(people, plan, template)
    assert plan.history.order_by("-id").first().action == PlanAction.CHANGED_AFTER_CONFIRMATION
