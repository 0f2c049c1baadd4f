"""policy 3.1.1 / 3.2.1: the client's itinerary behind an unguessable, revocable link — the day-by-day schedule and
our contact people, never internal notes, confidential material, costs or the rest of the staffing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedai.core.errors import Forbidden, NotFound
from jiedai.org.models import User
from jiedai.planning.models import ItineraryLink, PlanAction, StaffRole
from jiedai.planning.review import plan_submit
from jiedai.planning.services.itinerary import item_create, staff_assign
from jiedai.planning.services.links import link_create, link_revoke
from jiedai.planning.services.materials import material_upload
from jiedai.planning.services.meals_hotels import meal_create
from jiedai.planning.tests.factories import plan_for, ready_plan

pytestmark = pytest.mark.django_db

INTERNAL_NOTE = "客户对价格敏感，勿主动提折扣"
SECRET_TITLE = "核心工艺参数表"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def visit(people):
    """A plan with two days, a client contact, other staff, a confidential file and a meal's cost."""
    plan = plan_for(people)
    rep, rid = people["sales_rep"], plan.reception_id
    start = plan.reception.visit_start
    User.objects.filter(pk=rep.pk).update(phone="13912345678")  # the people's own profile data
    User.objects.filter(pk=people["admin_clerk"].pk).update(phone="13700000000")
    rep.refresh_from_db()
    welcome = {
        "kind": "welcome",
        "title": "欢迎会",
        "start": start,
        "end": start + timedelta(hours=1),
        "place": "一号会议室",
        "description": "总经理致欢迎辞",
        "internal_notes": INTERNAL_NOTE,
    }
    welcome = item_create(reception_id=rid, by=rep, data=welcome)
    tour = {"kind": "site_visit", "title": "参观生产线", "place": "二号厂房"}
    item_create(
        reception_id=rid,
        by=rep,
        data={**tour, "start": start + timedelta(days=1), "end": start + timedelta(days=1, hours=2)},
    )
    staff_assign(reception_id=rid, by=rep, data={"person": rep, "role": StaffRole.LEAD, "is_client_contact": True})
    guide = {"person": rep, "role": StaffRole.GUIDE, "item": welcome, "is_client_contact": True}
    staff_assign(reception_id=rid, by=rep, data=guide)
    staff_assign(
        reception_id=rid, by=rep, data={"person": people["admin_clerk"], "role": StaffRole.DRIVER, "duty": "接送"}
    )
    meal = {"start": start + timedelta(hours=3), "place": "员工餐厅包间", "standard_per_head": Decimal("388.00")}
    meal_create(reception_id=rid, by=rep, data={**meal, "headcount": 5})
    material_upload(
        reception_id=rid,
        by=rep,
        data={"title": SECRET_TITLE, "kind": "product", "confidentiality": "confidential"},
        file=SimpleUploadedFile("params.pdf", b"%PDF-1.7\n%%EOF\n"),
    )
    return plan


def public_url(link):
    return reverse("planning:public_itinerary", args=[link.token])


def test_only_the_editors_create_and_revoke_links(people):
    plan = plan_for(people)
    with pytest.raises(Forbidden):
        link_create(reception_id=plan.reception_id, by=people["sales_head"])  # a reader of the plan
    with pytest.raises(NotFound):
        link_create(reception_id=plan.reception_id, by=people["tech_eng"])  # an outsider
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    assert len(link.token) >= 40  # 256 random bits
    with pytest.raises(Forbidden):
        link_revoke(reception_id=plan.reception_id, link_id=link.pk, by=people["sales_head"])
    link_revoke(reception_id=plan.reception_id, link_id=link.pk, by=people["sales_rep"])
    link_revoke(reception_id=plan.reception_id, link_id=link.pk, by=people["sales_rep"])  # again: no change
    actions = list(plan.history.filter(action__startswith="link").values_list("action", flat=True))
    assert actions == [PlanAction.LINK_CREATED, PlanAction.LINK_REVOKED]


def test_public_page_shows_the_schedule_and_contacts_and_nothing_internal(client, people):
    plan = visit(people)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    response = client.get(public_url(link))  # no login
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("欢迎会", "总经理致欢迎辞", "一号会议室", "参观生产线", "二号厂房", "华东精密机械有限公司"):
        assert shown in html, shown
    assert people["sales_rep"].display_name in html and "13912345678" in html and 'href="tel:13912345678"' in html
    assert html.count("13912345678") == 2  # one contact, listed once (link and text) whatever the number of duties
    assert "第 1 天" in html and "第 2 天" in html
    for hidden in (
        INTERNAL_NOTE,  # internal notes
        SECRET_TITLE,  # confidential material (no material at all)
        "params.pdf",
        "388",  # a meal's standard per head
        "员工餐厅包间",
        "5000",  # the estimated cost
        people["admin_clerk"].display_name,  # staff who are not client contacts
        "13700000000",
        "考察生产线并洽谈年度采购",  # the request's purpose (internal wording)
        "csrfmiddlewaretoken",
    ):
        assert hidden not in html, hidden
    # A minimal page: no navigation, not indexed, no referrer, never cached, self-hosted CSS.
    assert "navbar" not in html
    assert '<meta name="robots" content="noindex' in html
    assert "vendor/bootstrap/bootstrap.min.css" in html and "planning/public.css" in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_revoked_or_unknown_link_is_404(client, people):
    plan = visit(people)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    ics = reverse("planning:public_itinerary_ics", args=[link.token])
    assert client.get(public_url(link)).status_code == 200
    assert client.get(ics).status_code == 200
    link_revoke(reception_id=plan.reception_id, link_id=link.pk, by=people["sales_rep"])
    assert client.get(public_url(link)).status_code == 404
    assert client.get(ics).status_code == 404
    assert client.get(reverse("planning:public_itinerary", args=["x" * 43])).status_code == 404
    assert client.get(reverse("planning:public_itinerary", args=["x" * 500])).status_code == 404


def test_links_can_be_revoked_while_the_plan_is_under_review(client, people):
    """A leaked link must be revocable at any time, even while the plan's content is frozen for review."""
    plan = ready_plan(people)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    link_revoke(reception_id=plan.reception_id, link_id=link.pk, by=people["sales_rep"])
    assert client.get(public_url(link)).status_code == 404


def test_language_switch(client, people):
    plan = visit(people)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    response = client.get(public_url(link), {"lang": "en"})
    assert response.status_code == 200 and response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "?lang=zh-hans" in html and "itinerary.ics?lang=en" in html
    response = client.get(public_url(link), {"lang": "xx"})  # unknown: the default language
    assert response["Content-Language"] == "zh-hans" and '<html lang="zh-hans">' in response.content.decode()


def test_editors_create_and_revoke_links_from_the_materials_page(client, people):
    plan = plan_for(people)
    materials = reverse("planning:materials", args=[plan.reception_id])
    client.force_login(people["sales_head"])
    assert client.post(reverse("planning:links", args=[plan.reception_id])).status_code == 403
    assert "客户行程链接" not in client.get(materials).content.decode()  # readers do not see the tokens
    client.force_login(people["tech_eng"])
    assert client.post(reverse("planning:links", args=[plan.reception_id])).status_code == 404
    assert client.get(reverse("planning:links", args=[plan.reception_id])).status_code == 404
    client.force_login(people["sales_rep"])
    response = client.post(reverse("planning:links", args=[plan.reception_id]))
    assert response.status_code == 302 and response["Location"] == materials + "#share"
    link = ItineraryLink.objects.get()
    html = client.get(materials).content.decode()
    assert f"http://testserver{public_url(link)}" in html  # the address to copy
    revoke = reverse("planning:link_revoke", args=[plan.reception_id, link.pk])
    client.force_login(people["sales_head"])
    assert client.post(revoke).status_code == 403
    client.force_login(people["sales_rep"])
    assert client.post(revoke).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(reverse("planning:links", args=[plan.reception_id])).status_code == 302


def _public_queries(client, link):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(public_url(link)).status_code == 200
    return len(queries)


# link (with plan and request), items, contacts, client organisations
PUBLIC_QUERIES = 4


def test_public_page_query_count_does_not_grow_with_rows(client, people):
    plan = visit(people)
    link = link_create(reception_id=plan.reception_id, by=people["sales_rep"])
    one = _public_queries(client, link)
    start = plan.reception.visit_start
    rep = people["sales_rep"]
    for i in range(15):
        item = {
            "kind": "meeting",
            "title": f"会谈{i}",
            "start": start + timedelta(hours=i),
            "end": start + timedelta(hours=i + 1),
        }
        item = item_create(reception_id=plan.reception_id, by=rep, data=item)
        escort = {"person": people["sales_head"], "role": StaffRole.ESCORT, "item": item, "is_client_contact": True}
        staff_assign(reception_id=plan.reception_id, by=rep, data=escort)
    assert one == _public_queries(client, link) == PUBLIC_QUERIES
