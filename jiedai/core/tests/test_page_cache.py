"""The page cache (core.page_cache) and its validator, the change stamp (core.change_stamp): a read page is served
again from the cache only to the user it was rendered for and only while no data has changed; any write moves the
stamp; the CSRF token still works and the CSP nonce is new on every answer."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from jiedai.core import change_stamp
from jiedai.core.models import SystemSetting
from jiedai.org.models import ApiToken, Department
from jiedai.receptions.models import Reception
from jiedai.receptions.services import reception_create
from jiedai.receptions.tests.factories import request_data, submitted_request

pytestmark = pytest.mark.django_db
cached = override_settings(PAGE_CACHE_SECONDS=60)
NONCE = re.compile(r'nonce="([^"]+)"')
CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def _get(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def _body_without_nonce(response) -> str:
    """The page but its per-answer parts: the CSP nonce and the CSRF token's mask (each render masks anew)."""
    return CSRF_TOKEN.sub("csrf", NONCE.sub('nonce=""', response.content.decode()))


# ---- the stamp -------------------------------------------------------------------------------------------------


def test_written_table_reads_the_statement():
    assert change_stamp.written_table('INSERT INTO "core_systemsetting" ("key") VALUES (%s)') == "core_systemsetting"
    assert change_stamp.written_table('  update "org_user" SET "name" = 1') == "org_user"
    assert change_stamp.written_table('DELETE FROM "planning_booking" WHERE 1') == "planning_booking"
    assert change_stamp.written_table('SELECT * FROM "org_user" WHERE "note" = \'UPDATE x\'') is None


def test_every_kind_of_write_moves_the_stamp(people):
    steps = [
        lambda: SystemSetting.objects.create(key="page_cache_probe", value="1"),
        lambda: SystemSetting.objects.filter(key="page_cache_probe").update(value="2"),
        lambda: Department.objects.bulk_create(
            [Department(code="probe1", name="探针一"), Department(code="probe2", name="探针二")]
        ),
        lambda: connection.cursor().execute("UPDATE core_systemsetting SET value = '3' WHERE key = 'page_cache_probe'"),
        lambda: SystemSetting.objects.filter(key="page_cache_probe").delete(),
    ]
    for step in steps:
        before = change_stamp.current()
        step()
        assert change_stamp.current() > before


def test_a_write_that_changes_nothing_or_is_not_shown_leaves_it(people):
    before = change_stamp.current()
    SystemSetting.objects.filter(key="no such setting").update(value="1")  # matches no row
    store = SessionStore()
    store["x"] = 1
    store.save()  # sessions are not page data
    ApiToken.issue(people["sales_rep"])  # nor are API tokens (checked before any cached answer)
    assert change_stamp.current() == before


def test_the_unwatched_tables_are_real_tables():
    from django.apps import apps

    tables = {model._meta.db_table for model in apps.get_models()} | {change_stamp.TABLE}
    assert change_stamp.UNWATCHED_TABLES <= tables


def test_a_rolled_back_write_takes_its_move_back_or_moves_past_it(people):
    before = change_stamp.current()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            SystemSetting.objects.create(key="page_cache_probe", value="1")
            assert change_stamp.current() > before  # seen inside the writing transaction
            raise RuntimeError
    if connection.vendor == "postgresql":
        assert change_stamp.current() > before  # a sequence never goes back: it moved past the rolled-back data
    else:
        assert change_stamp.current() == before  # the stamp's row rolled back with the data
    assert not SystemSetting.objects.filter(key="page_cache_probe").exists()


# ---- pages -----------------------------------------------------------------------------------------------------


@cached
def test_a_page_read_again_is_the_same_page_for_fewer_queries(client, people):
    submitted_request(people)
    client.force_login(people["sales_rep"])
    url = reverse("receptions:list")
    client.get(url)  # the first answer gives the browser its CSRF cookie: a page for a cookie it has not yet
    first, rendered = _get(client, url)
    second, replayed = _get(client, url)
    assert first.status_code == second.status_code == 200
    assert _body_without_nonce(first) == _body_without_nonce(second)
    assert replayed < rendered
    assert replayed <= 3  # session, user, stamp
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")


@cached
def test_a_change_is_shown_on_the_next_read(client, people):
    client.force_login(people["sales_rep"])
    url = reverse("receptions:list")
    _get(client, url)
    reception_create(by=people["sales_rep"], data=request_data(purpose="新的一次来访：不应被缓存挡住"))
    response, _count = _get(client, url)
    assert "新的一次来访：不应被缓存挡住" in response.content.decode()


@cached
def test_a_page_is_never_served_to_another_user(client, people):
    reception = submitted_request(people, purpose="销售部的私有来访")
    client.force_login(people["sales_rep"])
    detail = reverse("receptions:detail", args=[reception.pk])
    assert client.get(detail).status_code == 200
    outsider = Client()
    outsider.force_login(people["tech_eng"])  # another department: policy 2.2.3 gives them no copy
    response = outsider.get(detail)
    assert response.status_code == 404
    assert "销售部的私有来访" not in response.content.decode()


@cached
def test_a_right_taken_away_is_seen_at_once(client, people):
    """Who may see what follows the organisation as it is now: a page read with a right is not replayed without it."""
    reception = submitted_request(people, purpose="只有销售部能看")
    reader = people["tech_eng"]
    reader.is_superuser = True
    reader.save(update_fields=["is_superuser"])
    client.force_login(reader)
    detail = reverse("receptions:detail", args=[reception.pk])
    assert client.get(detail).status_code == 200
    assert client.get(detail).status_code == 200
    reader.is_superuser = False
    reader.save(update_fields=["is_superuser"])
    response = client.get(detail)
    assert response.status_code == 404
    assert "只有销售部能看" not in response.content.decode()


@cached
def test_language_and_htmx_have_their_own_pages(client, people):
    client.force_login(people["sales_rep"])
    url = reverse("receptions:list")
    chinese = client.get(url).content.decode()
    english = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "接待申请" in chinese and "<html" in chinese
    assert 'lang="en"' in english
    assert "<html" not in partial


@cached
def test_the_nonce_is_new_on_every_answer_and_matches_its_header(client, people):
    client.force_login(people["sales_rep"])
    url = reverse("receptions:list")
    nonces = []
    for _ in range(3):
        response = client.get(url)
        page_nonces = set(NONCE.findall(response.content.decode()))
        assert len(page_nonces) == 1
        nonce = page_nonces.pop()
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        nonces.append(nonce)
    assert len(set(nonces)) == 3


@cached
def test_the_csrf_token_of_a_replayed_page_is_accepted(people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["sales_rep"])
    url = reverse("receptions:list")
    browser.get(url)
    replayed = browser.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', replayed).group(1)
    response = browser.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # logged out: the token was good


@cached
def test_a_page_with_a_message_is_not_replayed(client, people):
    reception = reception_create(by=people["sales_rep"], data=request_data())
    client.force_login(people["sales_rep"])
    detail = reverse("receptions:detail", args=[reception.pk])
    client.get(detail)
    response = client.post(reverse("receptions:submit", args=[reception.pk]), follow=True)
    assert response.status_code == 200
    flashed = response.content.decode().count('role="alert"')
    assert flashed >= 1  # the redirect's page shows "submitted": rendered for its message, and not stored
    again = client.get(detail).content.decode()
    assert again.count('role="alert"') < flashed  # a message is shown once, never replayed


@cached
def test_tomorrow_renders_afresh(client, people):
    client.force_login(people["sales_rep"])
    url = reverse("home")
    _get(client, url)
    _get(client, url)
    _response, replayed = _get(client, url)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with mock.patch("jiedai.core.page_cache.timezone.localdate", return_value=tomorrow):
        _response, rendered = _get(client, url)
    assert rendered > replayed


@cached
def test_the_api_list_is_replayed_until_a_change(people):
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(people['sales_rep'])}"})
    url = "/api/v1/receptions"
    reception_create(by=people["sales_rep"], data=request_data())
    first, rendered = _get(api, url)
    second, replayed = _get(api, url)
    assert first.json() == second.json()
    assert replayed < rendered
    reception_create(by=people["sales_rep"], data=request_data())
    third = api.get(url).json()
    assert third["count"] == first.json()["count"] + 1
    assert Reception.objects.count() == third["count"]


def test_replayed_pages_are_what_each_role_would_be_rendered(people, settings):
    """Every role reads the same pages in turn, with the cache off and then twice with it on: each answer is the
    one its reader is rendered (status and page), so no replay ever crosses from one person to another."""
    from jiedai.core.tests.matrix_roles import ROLES, add_outsider
    from jiedai.receptions.tests.factories import decide, important_data

    add_outsider(people)
    draft = reception_create(by=people["sales_rep"], data=request_data(purpose="草稿：只有申请人能看"))
    pending = submitted_request(people, purpose="待审批：部门负责人能看")
    approved = submitted_request(people, **{k: v for k, v in important_data(people).items() if k != "purpose"})
    for approver in ("sales_head", "vp_sales", "gm"):
        approved = decide(people, approved, approver)
    urls = [
        reverse("home"),
        reverse("receptions:list"),
        reverse("approvals:tasks"),
        *(reverse("receptions:detail", args=[r.pk]) for r in (draft, pending, approved)),
    ]
    readers = {role: Client() for role, username in ROLES.items() if username}
    for role, reader in readers.items():
        reader.force_login(people[ROLES[role]])
        reader.get(urls[0])  # the CSRF cookie, as a browser has it after its first page

    def walk():
        pages, queries = {}, 0
        for role, reader in readers.items():
            for url in urls:
                response, count = _get(reader, url)
                pages[(role, url)] = (response.status_code, _body_without_nonce(response))
                queries += count
        return pages, queries

    settings.PAGE_CACHE_SECONDS = 0
    walk()  # reading marks notifications and copies read (policy 2.2.3): the walk after it is the steady state
    rendered, rendering = walk()
    settings.PAGE_CACHE_SECONDS = 60
    assert walk()[0] == rendered  # stored
    replayed, replaying = walk()
    assert replayed == rendered
    assert replaying * 2 < rendering  # a replay costs session, user and stamp (a 404 is rendered again)
    assert rendered[("outsider", urls[-1])][0] == 404
    assert rendered[("requester", urls[3])][0] == 200
