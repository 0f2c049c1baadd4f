from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from jiedai.notify import channels
from jiedai.notify.models import OutboxMessage, OutboxStatus
from jiedai.notify.tasks import MAX_ATTEMPTS, deliver_outbox, sweep_outbox

pytestmark = pytest.mark.django_db


def make_due(message):
    """Let the clock pass the backoff (and the sweep's grace for fresh rows)."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(hours=2))


def test_eager_delivery_stamps_inapp_and_sends_the_email(people, send, settings):
    settings.SITE_URL = "https://jiedai.example.com"
    (notification,) = send(
        recipients=[people["sales_rep"]], title="已审批通过：华东客户来访", body="请准备方案。", url="/receptions/7/"
    )
    notification.refresh_from_db()
    assert notification.delivered_at is not None
    assert set(OutboxMessage.objects.values_list("channel", "status", "attempts")) == {
        ("inapp", OutboxStatus.SENT, 1),
        ("email", OutboxStatus.SENT, 1),
    }
    assert all(m.sent_at for m in OutboxMessage.objects.all())
    (email,) = mail.outbox
    assert email.to == ["sales_rep@example.com"]
    assert email.subject == "已审批通过：华东客户来访"
    assert "请准备方案。" in email.body
    assert "https://jiedai.example.com/receptions/7/" in email.body


def test_recipient_without_email_is_skipped(people, send):
    (notification,) = send(recipients=[people["sysadmin"]])
    statuses = dict(OutboxMessage.objects.values_list("channel", "status"))
    assert statuses == {"inapp": OutboxStatus.SENT, "email": OutboxStatus.SKIPPED}
    assert mail.outbox == []


def test_address_removed_before_delivery_is_skipped_not_retried(people, django_capture_on_commit_callbacks):
    from jiedai.notify.services import notify

    rep = people["sales_rep"]
    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipients=[rep], kind="info", title="x")
    rep.email = ""
    rep.save(update_fields=["email"])
    for callback in callbacks:
        callback()
    assert OutboxMessage.objects.get(channel="email").status == OutboxStatus.SKIPPED
    assert mail.outbox == []


def test_failing_channel_keeps_the_row_and_a_later_sweep_delivers_it(people, send, monkeypatch):
    def broken(self, message):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(channels.EmailChannel, "send", broken)
    send(recipients=[people["sales_rep"]])
    email_row = OutboxMessage.objects.get(channel="email")
    assert email_row.status == OutboxStatus.PENDING
    assert email_row.attempts == 1
    assert "smtp down" in email_row.last_error
    assert email_row.next_attempt_at > timezone.now()  # backoff
    assert email_row.claimed_at is None and email_row.sent_at is None
    assert OutboxMessage.objects.get(channel="inapp").status == OutboxStatus.SENT

    assert sweep_outbox() == 0  # not due yet
    make_due(email_row)
    assert sweep_outbox() == 1  # due, still failing
    email_row.refresh_from_db()
    assert (email_row.status, email_row.attempts) == (OutboxStatus.PENDING, 2)
    assert mail.outbox == []

    monkeypatch.undo()  # the mail server is back
    make_due(email_row)
    assert sweep_outbox() == 1
    email_row.refresh_from_db()
    assert (email_row.status, email_row.attempts) == (OutboxStatus.SENT, 3)
    assert len(mail.outbox) == 1

    make_due(email_row)
    assert sweep_outbox() == 0  # sent rows are never picked again
    deliver_outbox(email_row.pk)
    assert len(mail.outbox) == 1


def test_delivering_the_same_row_twice_sends_once(people, django_capture_on_commit_callbacks):
    from jiedai.notify.services import notify

    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipients=[people["sales_rep"]], kind="info", title="x")
    email_row = OutboxMessage.objects.get(channel="email")
    assert deliver_outbox(email_row.pk) == "sent"
    assert deliver_outbox(email_row.pk) == "not claimed"
    for callback in callbacks:  # the on-commit queueing as well: a third and fourth delivery
        callback()
    assert len(mail.outbox) == 1
    email_row.refresh_from_db()
    assert (email_row.status, email_row.attempts) == (OutboxStatus.SENT, 1)


def test_claim_lost_to_a_concurrent_worker_sends_nothing(people, django_capture_on_commit_callbacks):
    from jiedai.notify.services import notify

    with django_capture_on_commit_callbacks():
        notify(recipients=[people["sales_rep"]], kind="info", title="x")
    row = OutboxMessage.objects.get(channel="email")
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.SENDING, claimed_at=timezone.now())
    assert deliver_outbox(row.pk) == "not claimed"
    assert sweep_outbox() == 0  # a worker busy for less than 10 minutes is left alone
    assert mail.outbox == []


def test_rows_stuck_in_sending_are_recovered_by_the_sweep(people, django_capture_on_commit_callbacks):
    from jiedai.notify.services import notify

    with django_capture_on_commit_callbacks():
        notify(recipients=[people["sales_rep"]], kind="info", title="x")
    row = OutboxMessage.objects.get(channel="email")
    # A worker claimed it eleven minutes ago and died.
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING, attempts=1, claimed_at=timezone.now() - timedelta(minutes=11)
    )
    assert sweep_outbox() == 1  # the fresh in-app row's own task is presumably still queued: left alone
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_fresh_rows_whose_task_was_lost_are_queued_after_the_grace(people, django_capture_on_commit_callbacks):
    from jiedai.notify.services import notify

    with django_capture_on_commit_callbacks():  # committed, but the broker never got the tasks
        (notification,) = notify(recipients=[people["sales_rep"]], kind="info", title="x")
    assert sweep_outbox() == 0
    for row in OutboxMessage.objects.all():
        make_due(row)
    assert sweep_outbox() == 2
    notification.refresh_from_db()
    assert notification.delivered_at is not None
    assert len(mail.outbox) == 1


def test_gives_up_after_max_attempts_until_an_administrator_retries(
    people, send, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(self, message):
        raise OSError("mailbox unavailable")

    monkeypatch.setattr(channels.EmailChannel, "send", broken)
    send(recipients=[people["sales_rep"]])
    row = OutboxMessage.objects.get(channel="email")
    for _ in range(MAX_ATTEMPTS - 1):
        make_due(row)
        sweep_outbox()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert "mailbox unavailable" in row.last_error
    make_due(row)
    assert sweep_outbox() == 0  # final: only an administrator's retry (admin action) sends it again

    from jiedai.notify.services import outbox_retry

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_retry(message_ids=[row.pk]) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert len(mail.outbox) == 1


def test_backoff_grows_and_is_capped():
    from jiedai.notify.tasks import backoff

    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
