import re

import pytest

from jiedai.notify.models import Notification
from jiedai.notify.services import notify
from jiedai.org.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


@pytest.fixture
def rep_client(client, people):
    token = ApiToken.issue(people["sales_rep"])
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_lists_only_the_callers_notifications_newest_first(rep_client, people):
    rep, head = people["sales_rep"], people["sales_head"]
    notify(recipients=[rep, head], kind="cc", title="抄送给您：客户来访", document_type="reception", document_id=7)
    notify(recipients=[rep], kind="approved", title="已审批通过：客户来访")
    notify(recipients=[head], kind="approval_task", title="待您处理")
    response = rep_client.get(URL)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["title"] for i in items] == ["已审批通过：客户来访", "抄送给您：客户来访"]
    assert set(items[1]) == {"id", "kind", "title", "document_type", "document_id", "created_at", "read"}
    assert items[1]["kind"] == "cc"
    assert (items[1]["document_type"], items[1]["document_id"], items[1]["read"]) == ("reception", 7, False)
    assert items[0]["document_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00", items[0]["created_at"])


def test_unread_filter_and_marking_read(rep_client, people):
    first, second = (notify(recipients=[people["sales_rep"]], kind="info", title=t)[0] for t in ("one", "two"))
    response = rep_client.post(f"{URL}/{first.pk}/read")
    assert response.status_code == 200
    assert response.json() == {"id": first.pk, "read": True}
    assert rep_client.post(f"{URL}/{first.pk}/read").status_code == 200  # idempotent
    assert [i["title"] for i in rep_client.get(f"{URL}?unread=true").json()["items"]] == ["two"]
    assert [i["read"] for i in rep_client.get(URL).json()["items"]] == [False, True]
    assert rep_client.post(f"{URL}/read-all").json() == {"updated": 1}
    assert rep_client.get(f"{URL}?unread=true").json()["items"] == []


def test_someone_elses_notification_is_404(rep_client, people):
    (theirs,) = notify(recipients=[people["sales_head"]], kind="info", title="x")
    response = rep_client.post(f"{URL}/{theirs.pk}/read")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}
    assert rep_client.post(f"{URL}/999999/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert rep_client.post(f"{URL}/read-all").json() == {"updated": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_requires_a_token(client):
    assert client.get(URL).status_code == 401
    assert client.post(f"{URL}/read-all").status_code == 401


def test_list_is_capped_at_100(rep_client, people):
    rep = people["sales_rep"]
    Notification.objects.bulk_create([Notification(recipient=rep, kind="info", title=f"n{i}") for i in range(105)])
    assert len(rep_client.get(URL).json()["items"]) == 100


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_is_fixed(rep_client, people, rows, django_assert_num_queries):
    notify(recipients=[people["sales_rep"]] * 1, kind="info", title="first")
    for i in range(rows - 1):
        notify(recipients=[people["sales_rep"]], kind="cc", title=f"n{i}", document_type="reception", document_id=i)
    rep_client.get(URL)  # the token's first use stamps last_used_at; measure the steady state
    with django_assert_num_queries(2):  # the token (with its user), the notifications
        response = rep_client.get(URL)
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("bad", ["99999999999999999999", "-1", "0", "abc"])
def test_impossible_ids_are_404_not_500(rep_client, bad):
    response = rep_client.post(f"{URL}/{bad}/read")
    assert response.status_code in {404, 422}, response.content
    assert set(response.json()) == {"detail", "errors"}
