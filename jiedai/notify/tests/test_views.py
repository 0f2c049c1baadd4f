import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedai.notify.models import Notification
from jiedai.notify.services import notify

pytestmark = pytest.mark.django_db

INBOX = reverse("notify:inbox")


@pytest.fixture
def rep_client(client, people):
    client.force_login(people["sales_rep"])
    return client


def test_login_required(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    (read_all,) = [reverse("notify:read_all")]
    assert client.post(read_all).status_code == 302
    assert not Notification.objects.exists()


def test_inbox_lists_own_notifications_newest_first_with_unread_highlighted(rep_client, people):
    rep = people["sales_rep"]
    (old,) = notify(recipients=[rep], kind="cc", title="抄送给您：旧的", url="/receptions/1/")
    notify(recipients=[rep], kind="approved", title="已审批通过：新的", body="第一行\n第二行")
    notify(recipients=[people["sales_head"]], kind="approval_task", title="别人的待办")
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    response = rep_client.get(INBOX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "别人的待办" not in html
    assert html.index("已审批通过：新的") < html.index("抄送给您：旧的")
    assert html.count("bg-primary-subtle") == 1  # only the unread one
    assert "第一行<br>第二行" in html
    assert reverse("notify:read_all") in html and "csrfmiddlewaretoken" in html
    unread = rep_client.get(INBOX, {"show": "unread"}).content.decode()
    assert "已审批通过：新的" in unread and "抄送给您：旧的" not in unread


def test_paginates_by_25(rep_client, people):
    rep = people["sales_rep"]
    Notification.objects.bulk_create([Notification(recipient=rep, kind="info", title=f"第{i}条") for i in range(30)])
    first = rep_client.get(INBOX)
    assert len(first.context["notifications"]) == 25
    second = rep_client.get(INBOX, {"page": 2})
    assert len(second.context["notifications"]) == 5
    assert rep_client.get(INBOX, {"page": "x"}).status_code == 200


def _count_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(INBOX).status_code == 200
    return len(ctx)


def test_query_count_is_the_same_at_1_and_50_rows(rep_client, people):
    rep = people["sales_rep"]
    Notification.objects.create(recipient=rep, kind="approved", title="one", url="/receptions/1/")
    at_one = _count_queries(rep_client)
    Notification.objects.bulk_create(
        [Notification(recipient=rep, kind="cc", title=f"n{i}", body="b", url=f"/r/{i}/") for i in range(49)]
    )
    assert _count_queries(rep_client) == at_one
    assert at_one <= 9  # session, user, count, page, unread count (+ the navigation's counts and roles)


def test_open_marks_read_and_follows_the_link(rep_client, people):
    (n,) = notify(recipients=[people["sales_rep"]], kind="cc", title="x", url="/receptions/5/")
    response = rep_client.get(reverse("notify:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/receptions/5/"
    n.refresh_from_db()
    assert n.read_at is not None
    (theirs,) = notify(recipients=[people["gm"]], kind="cc", title="x", url="/receptions/5/")
    assert rep_client.get(reverse("notify:open", args=[theirs.pk])).status_code == 404


def test_mark_read_plain_post_and_htmx(rep_client, people):
    rep = people["sales_rep"]
    a, b = (notify(recipients=[rep], kind="info", title=t)[0] for t in ("a", "b"))
    response = rep_client.post(reverse("notify:read", args=[a.pk]), {"next": INBOX + "?page=1"})
    assert response.status_code == 302 and response["Location"] == INBOX + "?page=1"
    response = rep_client.post(reverse("notify:read", args=[b.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == INBOX
    Notification.objects.update(read_at=None)
    response = rep_client.post(reverse("notify:read", args=[a.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{a.pk}"' in html and "bg-primary-subtle" not in html
    assert 'hx-swap-oob="true"' in html and ">1<" in html  # the unread badge, out of band
    assert "<html" not in html
    (theirs,) = notify(recipients=[people["gm"]], kind="cc", title="x")
    assert rep_client.post(reverse("notify:read", args=[theirs.pk])).status_code == 404
    assert rep_client.get(reverse("notify:read", args=[a.pk])).status_code == 405


def test_mark_all_read(rep_client, people):
    rep = people["sales_rep"]
    notify(recipients=[rep, people["gm"]], kind="cc", title="x")
    notify(recipients=[rep], kind="cc", title="y")
    response = rep_client.post(reverse("notify:read_all"), follow=True)
    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=people["gm"], read_at__isnull=True).count() == 1
    assert "已将 2 条通知标为已读。" in response.content.decode()


def test_impossible_ids_are_404_not_500(rep_client):
    huge = 10**20
    assert rep_client.get(reverse("notify:open", args=[huge])).status_code == 404
    assert rep_client.post(reverse("notify:read", args=[huge])).status_code == 404
