import pytest
from django.db import transaction

from jiedai.notify.models import Notification, OutboxMessage, OutboxStatus
from jiedai.notify.selectors import notifications_for, unread_count
from jiedai.notify.services import notification_mark_read, notifications_mark_all_read, notify

pytestmark = pytest.mark.django_db


def test_notify_writes_inbox_and_outbox_rows_and_queues_only_on_commit(people, django_capture_on_commit_callbacks):
    rep = people["sales_rep"]
    with django_capture_on_commit_callbacks() as callbacks:
        created = notify(
            recipients=[rep],
            kind="approved",
            title="已审批通过：华东客户来访",
            body="请准备接待方案。",
            url="/receptions/7/",
            document_type="reception",
            document_id=7,
        )
    assert len(callbacks) == 1  # delivery waits for the commit
    (notification,) = created
    assert notification.pk and notification.recipient == rep
    assert notification.delivered_at is None
    rows = OutboxMessage.objects.filter(notification=notification).order_by("channel")
    assert [(m.channel, m.status, m.attempts) for m in rows] == [
        ("email", OutboxStatus.PENDING, 0),
        ("inapp", OutboxStatus.PENDING, 0),
    ]


def test_rollback_leaves_nothing_and_sends_nothing(people, django_capture_on_commit_callbacks, mailoutbox):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom):
            with transaction.atomic():
                notify(recipients=[people["sales_rep"]], kind="approved", title="x")
                raise Boom
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_duplicate_and_inactive_recipients_are_collapsed(people):
    rep, head, gm = people["sales_rep"], people["sales_head"], people["gm"]
    gm.is_active = False
    gm.save(update_fields=["is_active"])
    created = notify(recipients=[rep, head, rep, head.pk, gm, None], kind="cc", title="抄送给您")
    assert sorted(n.recipient_id for n in created) == sorted([rep.pk, head.pk])
    assert Notification.objects.count() == 2
    assert OutboxMessage.objects.count() == 4


def test_dedup_key_never_notifies_the_same_person_twice(people):
    rep, head = people["sales_rep"], people["sales_head"]
    first = notify(recipients=[rep], kind="reminder", title="方案即将到期", dedup_key="plan_due:reception:7")
    again = notify(recipients=[rep, head], kind="reminder", title="方案即将到期", dedup_key="plan_due:reception:7")
    assert len(first) == 1
    assert [n.recipient_id for n in again] == [head.pk]
    assert Notification.objects.filter(recipient=rep).count() == 1
    assert set(OutboxMessage.objects.values_list("dedup_key", flat=True)) == {
        f"plan_due:reception:7:{rep.pk}:inapp",
        f"plan_due:reception:7:{rep.pk}:email",
        f"plan_due:reception:7:{head.pk}:inapp",
        f"plan_due:reception:7:{head.pk}:email",
    }
    assert notify(recipients=[rep, head], kind="reminder", title="x", dedup_key="plan_due:reception:7") == []


def test_notify_query_count_does_not_grow_with_recipients(people, django_assert_max_num_queries):
    from jiedai.org.models import User

    many = [User.objects.create(username=f"u{i}", email=f"u{i}@example.com") for i in range(40)]
    with django_assert_max_num_queries(4):  # savepoint, 2 bulk inserts, release
        notify(recipients=[people["sales_rep"]], kind="info", title="x")
    with django_assert_max_num_queries(4):
        notify(recipients=many, kind="info", title="x")
    with django_assert_max_num_queries(5):  # + the dedup lookup
        notify(recipients=many, kind="info", title="x", dedup_key="k")


def test_recipient_without_email_gets_a_skipped_email_row(people):
    (notification,) = notify(recipients=[people["sysadmin"]], kind="info", title="x")  # no address
    statuses = dict(OutboxMessage.objects.filter(notification=notification).values_list("channel", "status"))
    assert statuses == {"inapp": OutboxStatus.PENDING, "email": OutboxStatus.SKIPPED}


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "receptions/1"])
def test_only_app_relative_links(people, url):
    with pytest.raises(ValueError):
        notify(recipients=[people["sales_rep"]], kind="info", title="x", url=url)


def test_long_titles_are_cut_to_fit_and_kept_on_one_line(people):
    (notification,) = notify(recipients=[people["sales_rep"]], kind="info", title="甲\n乙" + "长" * 300)
    assert len(notification.title) == 200 and notification.title.startswith("甲 乙") and "\n" not in notification.title


def test_mark_read_is_per_user(people):
    rep, head = people["sales_rep"], people["sales_head"]
    mine, other = notify(recipients=[rep, head], kind="cc", title="x")
    notify(recipients=[rep], kind="cc", title="y")
    assert unread_count(rep) == 2
    notification_mark_read(user=rep, notification_id=mine.pk)
    notification_mark_read(user=rep, notification_id=mine.pk)  # idempotent
    assert unread_count(rep) == 1
    from django.http import Http404

    with pytest.raises(Http404):
        notification_mark_read(user=rep, notification_id=other.pk)
    assert unread_count(head) == 1
    assert notifications_mark_all_read(user=rep) == 1
    assert unread_count(rep) == 0 and unread_count(head) == 1
    assert [n.title for n in notifications_for(rep)] == ["y", "x"]  # newest first


def test_dedup_race_lost_to_another_transaction_is_retried_not_raised(people, monkeypatch):
    """Two transactions check the key at once; the loser's insert hits the unique index and is redone."""
    from jiedai.notify import services

    rep, head = people["sales_rep"], people["sales_head"]
    notify(recipients=[rep], kind="reminder", title="x", dedup_key="race")
    real = services._taken_keys
    calls = []

    def stale_first(keys):
        calls.append(keys)
        return set() if len(calls) == 1 else real(keys)

    monkeypatch.setattr(services, "_taken_keys", stale_first)
    created = notify(recipients=[rep, head], kind="reminder", title="x", dedup_key="race")
    assert len(calls) == 2
    assert [n.recipient_id for n in created] == [head.pk]
    assert Notification.objects.filter(recipient=rep).count() == 1
