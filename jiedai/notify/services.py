"""Writes: create notifications with their outbox rows, mark them read."""

import logging
from collections.abc import Iterable
from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from jiedai.notify.channels import enabled_channels
from jiedai.notify.models import Notification, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

TITLE_MAX = 200
DEDUP_KEY_MAX = 200


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    document_type: str = "",
    document_id: int | None = None,
    dedup_key: str | None = None,
) -> list[Notification]:
    """Write one inbox row per recipient and one outbox row per enabled channel, in the caller's transaction;
    delivery is queued only once that transaction commits (a rollback leaves nothing and sends nothing).

    `recipients`: users (or user ids); duplicates and inactive people are dropped. `url`: an app-relative path.
    `dedup_key`: the same key never notifies the same person twice (e.g. "reminder:plan_due:reception:12"); a
    person who already has it on any channel is left out. Queries: a fixed handful, whatever the recipient count.
    Called outside a transaction it still writes atomically (its own savepoint/transaction).
    """
    if not kind or len(kind) > 32:
        raise ValueError(f"notification kind must be 1-32 characters, got {kind!r}")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"notification url must be an app-relative path, got {url!r}")
    if dedup_key is not None and not 0 < len(dedup_key) <= DEDUP_KEY_MAX:
        raise ValueError("dedup_key must be 1-200 characters")
    title = " ".join(str(title).split())
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    people = _unique_active(recipients)
    if not people:
        return []
    channels = enabled_channels()

    for attempt in range(2):
        try:
            with transaction.atomic():
                notifications, messages = _write(
                    people,
                    channels,
                    dedup_key=dedup_key,
                    fields={
                        "kind": kind,
                        "title": title,
                        "body": str(body),
                        "url": url,
                        "document_type": document_type,
                        "document_id": document_id,
                    },
                )
            break
        except IntegrityError:
            # Another transaction wrote the same dedup key between our check and our insert (PostgreSQL, read
            # committed; SQLite serialises writers). Only the savepoint is lost: read again and leave them out.
            if dedup_key is None or attempt:
                raise
    pending = [m.pk for m in messages if m.status == OutboxStatus.PENDING]
    if pending:
        transaction.on_commit(partial(_enqueue, pending), robust=True)
    return notifications


def _unique_active(recipients: Iterable) -> list:
    User = get_user_model()
    users, ids, seen = [], [], set()
    for item in recipients:
        if item is None:
            continue
        pk = item.pk if isinstance(item, User) else int(item)
        if pk in seen:
            continue
        seen.add(pk)
        if isinstance(item, User):
            users.append(item)
        else:
            ids.append(pk)
    if ids:
        users.extend(User.objects.filter(pk__in=ids).order_by("pk"))
    return [user for user in users if user.is_active]


def _write(people, channels, *, dedup_key, fields):
    if dedup_key is not None:
        wanted = {f"{dedup_key}:{person.pk}:{channel.name}" for person in people for channel in channels}
        taken = _taken_keys(wanted)
        if taken:
            done = {int(key.rsplit(":", 2)[1]) for key in taken}
            people = [person for person in people if person.pk not in done]
        if not people:
            return [], []
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [Notification(recipient=person, created_at=now, **fields) for person in people]
    )
    messages = []
    for notification in notifications:
        if notification.pk is None:  # every supported backend returns ids from bulk inserts
            raise RuntimeError("bulk_create did not return primary keys")
        for channel in channels:
            key = (
                f"{dedup_key}:{notification.recipient_id}:{channel.name}"
                if dedup_key is not None
                else f"n{notification.pk}:{channel.name}"
            )
            status = OutboxStatus.PENDING if channel.wants(notification) else OutboxStatus.SKIPPED
            messages.append(
                OutboxMessage(
                    notification=notification,
                    channel=channel.name,
                    status=status,
                    dedup_key=key,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    OutboxMessage.objects.bulk_create(messages)
    return notifications, messages


def _taken_keys(keys: set[str]) -> set[str]:
    return set(OutboxMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))


def _enqueue(message_ids: list[int]) -> None:
    """After commit: one task per outbox row. If the broker is down the rows stay pending and the periodic
    sweep queues them later, so a failure here must never reach the user whose change already committed."""
    from jiedai.notify.tasks import deliver_outbox

    for pk in message_ids:
        try:
            deliver_outbox.delay(pk)
        except Exception:
            logger.exception("could not queue outbox messages %s; the sweep will pick them up", message_ids)
            return  # the broker is down: don't wait for its timeout once per row


def notification_mark_read(*, user, notification_id: int) -> None:
    """Mark one of the user's notifications read (idempotent). Someone else's or a missing one: 404."""
    updated = Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if not updated and not Notification.objects.filter(pk=notification_id, recipient=user).exists():
        raise Http404("notification not found")


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_read_for_document(*, user, document_type: str, document_id: int) -> int:
    """Opening a document reads what the user was told about it (a copy, a decision): one UPDATE."""
    return Notification.objects.filter(
        recipient=user, document_type=document_type, document_id=document_id, read_at__isnull=True
    ).update(read_at=timezone.now())


def outbox_retry(*, message_ids: Iterable[int]) -> int:
    """Give failed (or pending) rows another attempt now, e.g. after fixing the mail server; returns the count."""
    ids = list(
        OutboxMessage.objects.filter(
            pk__in=list(message_ids), status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]
        ).values_list("pk", flat=True)
    )
    if ids:
        OutboxMessage.objects.filter(pk__in=ids, status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING]).update(
            status=OutboxStatus.PENDING, next_attempt_at=timezone.now()
        )
        transaction.on_commit(partial(_enqueue, ids), robust=True)
    return len(ids)
