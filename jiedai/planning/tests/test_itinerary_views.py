"""The 行程与人员 tab (policy 3.1.1): editors add, edit and delete items and staff through plain forms (POST, then
redirect); every reader of the plan sees the page read-only; outsiders get 404, readers posting get 403. Times are
typed and shown in Beijing time; a person in two places at once is a warning on the staff list and after adding."""

import datetime
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiedai.planning.models import ItineraryItem, PlanHistory, StaffAssignment
from jiedai.planning.review import plan_submit
from jiedai.planning.services.itinerary import item_create, staff_assign
from jiedai.planning.tests.factories import approved_reception, attach_emergency
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

CLIENTS = [
    {"name": "林海", "organization": "华东精密机械有限公司", "title": "采购总监", "phone": "13800000000"},
    {"name": "高远", "organization": "华东精密机械有限公司", "title": "技术经理", "phone": "13800000001"},
]


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    date = (timezone.now() + timedelta(days=40)).astimezone(LOCAL_TZ).date() + timedelta(days=day - 1)
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=LOCAL_TZ)


def typed(value: datetime.datetime) -> str:
    """What a datetime-local input posts: Beijing wall-clock time."""
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def visit(people, **overrides):
    return approved_reception(
        people, **{"visit_start": at(1, 9), "visit_end": at(2, 18), "clients": CLIENTS, **overrides}
    )


def url(name, reception, *args):
    return reverse(f"planning:{name}", args=[reception.pk, *args])


def login(client, people, username):
    client.force_login(people[username])
    return client


def add_item(people, reception, start, end, title="欢迎会", kind="welcome"):
    return item_create(
        reception_id=reception.pk,
        by=people["sales_rep"],
        data={"kind": kind, "title": title, "start": start, "end": end},
    )


def add_staff(people, reception, person, role="escort", on=None):
    return staff_assign(
        reception_id=reception.pk, by=people["sales_rep"], data={"person": people[person], "role": role, "item": on}
    )


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def item_post(**overrides) -> dict:
    data = {
        "kind": "site_visit",
        "title": "工厂参观",
        "start": typed(at(1, 10)),
        "end": typed(at(1, 12)),
        "place": "总装车间",
        "site_area": "",
        "description": "参观总装线",
        "internal_notes": "注意保密区域",
    }
    data.update(overrides)
    return data


# ---- who sees what ----------------------------------------------------------------------------------------------


def test_page_needs_login(client, people):
    reception = visit(people)
    response = client.get(url("itinerary", reception))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_editor_sees_the_edit_buttons_readers_do_not_outsiders_get_404(client, people):
    reception = visit(people)
    add_item(people, reception, at(1, 9), at(1, 10))
    page = login(client, people, "sales_rep").get(url("itinerary", reception))
    assert page.status_code == 200
    html = page.content.decode()
    assert "新增行程" in html and url("item_create", reception) in html and "欢迎会" in html
    for reader in ("sales_head", "vp_sales", "fin_clerk", "admin_clerk"):
        page = login(client, people, reader).get(url("itinerary", reception))
        assert page.status_code == 200, reader
        html = page.content.decode()
        assert "欢迎会" in html and url("item_create", reception) not in html, reader
    assert login(client, people, "tech_eng").get(url("itinerary", reception)).status_code == 404


def test_staff_named_on_the_plan_read_it(client, people):
    reception = visit(people)
    add_staff(people, reception, "tech_eng", role="guide")
    assert login(client, people, "tech_eng").get(url("itinerary", reception)).status_code == 200


def test_forms_and_actions_are_for_editors_only(client, people):
    reception = visit(people)
    welcome = add_item(people, reception, at(1, 9), at(1, 10))
    escort = add_staff(people, reception, "sales_head")
    actions = [
        ("GET", url("item_create", reception)),
        ("POST", url("item_create", reception)),
        ("GET", url("item_edit", reception, welcome.pk)),
        ("POST", url("item_edit", reception, welcome.pk)),
        ("POST", url("item_delete", reception, welcome.pk)),
        ("GET", url("staff_create", reception)),
        ("POST", url("staff_create", reception)),
        ("GET", url("staff_edit", reception, escort.pk)),
        ("POST", url("staff_edit", reception, escort.pk)),
        ("POST", url("staff_delete", reception, escort.pk)),
    ]
    before = PlanHistory.objects.count()
    for username, status in (("sales_head", 403), ("fin_clerk", 403), ("tech_eng", 404)):
        login(client, people, username)
        for method, target in actions:
            response = client.get(target) if method == "GET" else client.post(target, item_post())
            assert response.status_code == status, (username, method, target)
    client.logout()
    for method, target in actions:
        response = client.get(target) if method == "GET" else client.post(target, item_post())
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert PlanHistory.objects.count() == before
    assert ItineraryItem.objects.count() == 1 and StaffAssignment.objects.count() == 1
    login(client, people, "sales_rep")
    assert client.get(url("item_delete", reception, welcome.pk)).status_code == 405
    assert client.get(url("staff_delete", reception, escort.pk)).status_code == 405


# ---- items ------------------------------------------------------------------------------------------------------


def test_add_an_item_in_beijing_time(client, people):
    reception = visit(people)
    login(client, people, "sales_rep")
    form = client.get(url("item_create", reception), {"day": at(2, 0).date().isoformat()})
    assert form.status_code == 200
    html = form.content.decode()
    assert 'type="datetime-local"' in html and f'value="{typed(at(2, 9))}"' in html
    assert "林海（采购总监）" in html  # the request's clients to pick from
    # Without a day (or with a wrong one) the form opens on the visit's first day.
    for query in ({}, {"day": "后天"}):
        form = client.get(url("item_create", reception), query).content.decode()
        assert f'value="{typed(at(1, 9))}"' in form
    contact = reception.client_links.first().contact
    response = client.post(url("item_create", reception), item_post(clients=[contact.pk]))
    created = ItineraryItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("itinerary", reception) + f"#item-{created.pk}"
    assert created.start == at(1, 10) and created.end == at(1, 12)  # 10:00 Beijing = 02:00 UTC
    assert list(created.clients.all()) == [contact]
    assert created.internal_notes == "注意保密区域"
    assert flashed(response) == [f"已添加行程：{at(1, 10):%m-%d} 10:00 工厂参观。"]
    page = client.get(url("itinerary", reception)).content.decode()
    assert "10:00–12:00" in page and "注意保密区域" in page and "林海" in page


def test_item_outside_the_visit_shows_the_error_on_the_form(client, people):
    reception = visit(people)
    login(client, people, "sales_rep")
    response = client.post(url("item_create", reception), item_post(start=typed(at(1, 7)), end=typed(at(1, 8))))
    assert response.status_code == 200
    html = response.content.decode()
    assert "行程须在批准的来访时间之内" in html and "is-invalid" in html
    response = client.post(url("item_create", reception), item_post(end=typed(at(1, 9, 30))))
    assert "结束时间必须晚于开始时间" in response.content.decode()
    response = client.post(url("item_create", reception), item_post(start="明天", title=""))
    assert response.status_code == 200 and not ItineraryItem.objects.exists()


def test_edit_and_delete_an_item(client, people):
    reception = visit(people)
    tour = add_item(people, reception, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    add_staff(people, reception, "tech_eng", role="guide", on=tour)
    login(client, people, "sales_rep")
    form = client.get(url("item_edit", reception, tour.pk)).content.decode()
    assert 'value="工厂参观"' in form and f'value="{typed(at(1, 10))}"' in form
    response = client.post(url("item_edit", reception, tour.pk), item_post(title="参观总装线", end=typed(at(1, 11))))
    assert response.status_code == 302
    tour.refresh_from_db()
    assert (tour.title, tour.end) == ("参观总装线", at(1, 11))
    page = client.get(url("itinerary", reception)).content.decode()
    assert "data-confirm=" in page and "及其 1 项人员安排" in page
    response = client.post(url("item_delete", reception, tour.pk))
    assert response.status_code == 302 and response["Location"] == url("itinerary", reception)
    assert not ItineraryItem.objects.exists() and not StaffAssignment.objects.exists()
    assert client.get(url("item_edit", reception, tour.pk)).status_code == 404


def test_an_item_of_another_plan_is_not_found(client, people):
    reception, other = visit(people), visit(people)
    foreign = add_item(people, other, at(1, 10), at(1, 11))
    login(client, people, "sales_rep")
    assert client.get(url("item_edit", reception, foreign.pk)).status_code == 404
    assert client.post(url("item_delete", reception, foreign.pk)).status_code == 404
    assert ItineraryItem.objects.filter(pk=foreign.pk).exists()


def test_day_view_shows_free_time_and_overlaps(client, people):
    reception = visit(people)
    add_item(people, reception, at(1, 9), at(1, 10))
    add_item(people, reception, at(1, 11, 30), at(1, 13), title="午餐", kind="meal")
    add_item(people, reception, at(1, 12), at(1, 14), title="技术交流", kind="meeting")
    page = login(client, people, "sales_head").get(url("itinerary", reception)).content.decode()
    assert "第 1 天" in page and "第 2 天" in page and "这一天还没有安排" in page
    assert "空闲 1 小时 30 分钟（10:00–11:30）" in page
    assert "2 项时间重叠" in page and "『午餐』11:30–13:00" in page


def test_plan_under_review_cannot_be_edited_from_the_page(client, people):
    reception = visit(people)
    add_item(people, reception, at(1, 9), at(1, 10))
    add_staff(people, reception, "sales_rep", role="lead")
    attach_emergency(people, reception.pk)
    plan_submit(reception_id=reception.pk, by=people["sales_rep"])
    login(client, people, "sales_rep")
    page = client.get(url("itinerary", reception)).content.decode()
    assert "方案正在审核中" in page and url("item_create", reception) not in page
    response = client.post(url("item_create", reception), item_post())
    assert response.status_code == 302 and response["Location"] == url("itinerary", reception)
    assert "请先撤回" in flashed(response)[0]
    assert ItineraryItem.objects.count() == 1


# ---- staff ------------------------------------------------------------------------------------------------------


def test_add_staff_with_a_person_picker_grouped_by_department(client, people):
    reception = visit(people)
    tour = add_item(people, reception, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    login(client, people, "sales_rep")
    assert client.get(url("staff_create", reception), {"item": "x"}).status_code == 200
    form = client.get(url("staff_create", reception), {"item": tour.pk}).content.decode()
    assert '<optgroup label="技术部">' in form and "张伟" in form
    assert f'<option value="{tour.pk}" selected>' in form
    response = client.post(
        url("staff_create", reception),
        {"person": people["tech_eng"].pk, "role": "guide", "duty": "生产线讲解", "item": tour.pk},
    )
    guide = StaffAssignment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#staff-{guide.pk}")
    assert (guide.person, guide.role, guide.item, guide.duty) == (people["tech_eng"], "guide", tour, "生产线讲解")
    assert flashed(response) == [f"已添加人员：张伟（讲解人员）· {at(1, 10):%m-%d} 10:00 工厂参观。"]
    response = client.post(
        url("staff_create", reception), {"person": people["sales_rep"].pk, "role": "lead", "is_client_contact": "on"}
    )
    assert response.status_code == 302
    lead = StaffAssignment.objects.get(role="lead")
    assert lead.item is None and lead.is_client_contact
    assert any("还没有登记电话" in m for m in flashed(response))  # the demo people have no phone


def test_staff_form_errors_come_back_on_the_form(client, people):
    reception = visit(people)
    add_staff(people, reception, "sales_rep", role="lead")
    login(client, people, "sales_rep")
    response = client.post(url("staff_create", reception), {"person": people["sales_head"].pk, "role": "lead"})
    assert response.status_code == 200
    assert "本方案已有接待负责人" in response.content.decode()
    response = client.post(url("staff_create", reception), {"person": "999999", "role": "escort"})
    assert response.status_code == 200 and StaffAssignment.objects.count() == 1


def test_person_in_two_places_is_warned_after_adding_and_on_the_list(client, people):
    reception = visit(people)
    other = visit(people, purpose="第二批客户来访")
    tour = add_item(people, other, at(1, 10), at(1, 12), title="工厂参观", kind="site_visit")
    add_staff(people, other, "tech_eng", role="guide", on=tour)
    meeting = add_item(people, reception, at(1, 11), at(1, 12), title="技术交流", kind="meeting")
    login(client, people, "sales_rep")
    response = client.post(
        url("staff_create", reception), {"person": people["tech_eng"].pk, "role": "guide", "item": meeting.pk}
    )
    assert response.status_code == 302
    where = f"同时段已安排在 {other.number} 的『工厂参观』"
    assert any(where in m for m in flashed(response))
    assert StaffAssignment.objects.filter(plan__reception=reception).count() == 1  # a warning, not a refusal
    page = client.get(url("itinerary", reception)).content.decode()
    assert where in page and "1 项时间冲突" in page


def test_edit_and_remove_staff(client, people):
    reception = visit(people)
    escort = add_staff(people, reception, "sales_head")
    login(client, people, "sales_rep")
    form = client.get(url("staff_edit", reception, escort.pk)).content.decode()
    assert f'<option value="{people["sales_head"].pk}" selected>' in form
    response = client.post(
        url("staff_edit", reception, escort.pk),
        {"person": people["sales_head"].pk, "role": "escort", "duty": "全程陪同"},
    )
    assert response.status_code == 302
    escort.refresh_from_db()
    assert escort.duty == "全程陪同"
    response = client.post(url("staff_delete", reception, escort.pk))
    assert response.status_code == 302 and response["Location"].endswith("#staff")
    assert not StaffAssignment.objects.exists()


# ---- a fixed number of queries ----------------------------------------------------------------------------------


def page_queries(client, reception) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("itinerary", reception))
    assert response.status_code == 200
    return len(queries)


def test_page_query_count_is_the_same_at_1_and_many_rows(client, people, django_assert_num_queries):
    reception = visit(people)
    other = visit(people, purpose="第二批客户来访")
    contacts = [link.contact for link in reception.client_links.all()]
    first = add_item(people, reception, at(1, 9), at(1, 10))
    add_staff(people, reception, "sales_rep", role="lead")
    login(client, people, "sales_rep")
    page_queries(client, reception)  # the first view creates nothing more, but warms the session
    one = page_queries(client, reception)
    assert one == ITINERARY_QUERIES
    usernames = ["sales_head", "tech_eng", "tech_head", "fin_clerk", "admin_clerk", "vp_ops"]
    for n in range(18):
        start = at(1 + n // 9, 9) + timedelta(hours=n % 9)
        created = item_create(
            reception_id=reception.pk,
            by=people["sales_rep"],
            data={
                "kind": "meeting",
                "title": f"洽谈 {n}",
                "start": start,
                "end": start + timedelta(minutes=45),
                "clients": contacts,
            },
        )
        add_staff(people, reception, usernames[n % len(usernames)], role="worker", on=created)
        busy = add_item(people, other, start, start + timedelta(minutes=30), title=f"别处 {n}")
        add_staff(people, other, usernames[n % len(usernames)], role="worker", on=busy)
    add_staff(people, reception, "tech_eng", role="escort", on=first)
    with django_assert_num_queries(ITINERARY_QUERIES):
        response = client.get(url("itinerary", reception))
    assert "时间冲突" in response.content.decode()


# session, user, the access layer (reception + the GM-role check), the plan, the deadline's working days, items,
# their clients, staff, the people's other assignments, the navigation's counters.
ITINERARY_QUERIES = 13
