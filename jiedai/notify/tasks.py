"""Delivery of outbox rows (Celery). At-least-once queueing, at-most-once sending per row:

- `deliver_outbox` claims its row with one conditional UPDATE (pending and due → sending). Only one claim can
  win, so a task delivered twice (acks_late redelivery, a sweep re-queueing a row still waiting in the queue)
  sends once.
- A failed send puts the row back to pending with exponential backoff; after MAX_ATTEMPTS it is failed (final,
  visible in the admin, which can retry it).
- `sweep_outbox`, every minute from beat, queues rows that are due (retries, rows whose first task was never
  queued because the broker was down) and gives back rows left in "sending" by a worker that died. Such a row
  may have been sent just before the crash: that (rare) case is the only way a message goes out twice.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.db.models import F, Q
from django.utils import timezone

from jiedai.celery import app
from jiedai.notify.channels import CHANNELS
from jiedai.notify.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)  # 1, 2, 4 … minutes between attempts
BACKOFF_MAX = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=10)
# A fresh row's own task is probably still in the queue; the sweep leaves it alone for this long.
FRESH_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500
SWEEP_EVERY = 60.0  # seconds
ERROR_MAX = 2000


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


# A channel that hangs (an SMTP server that accepts and never answers) must not hold the only worker: the soft
# limit raises inside send() and counts as a failed attempt; the hard limit kills the process and the sweep
# recovers the row after STUCK_AFTER.
@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def deliver_outbox(message_id: int) -> str:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now).update(
        status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not claimed"  # sent, skipped, failed, not due yet, or another worker has it
    message = OutboxMessage.objects.select_related("notification__recipient").get(pk=message_id)
    # Every later write is conditional on our claim still standing (the sweep may have given the row back).
    ours = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.SENDING, claimed_at=now)
    channel = CHANNELS.get(message.channel)
    try:
        if channel is None:
            raise LookupError(f"no channel named {message.channel!r} is registered")
        if not channel.wants(message.notification):
            ours.update(status=OutboxStatus.SKIPPED, claimed_at=None)
            return "skipped"
        channel.send(message)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        if message.attempts >= MAX_ATTEMPTS:
            logger.error(
                "outbox %s (%s) failed for good after %s attempts: %s",
                message_id,
                message.channel,
                message.attempts,
                error,
            )
            ours.update(status=OutboxStatus.FAILED, claimed_at=None, last_error=error)
            return "failed"
        logger.warning(
            "outbox %s (%s) attempt %s failed, will retry: %s", message_id, message.channel, message.attempts, error
        )
        ours.update(
            status=OutboxStatus.PENDING,
            claimed_at=None,
            last_error=error,
            next_attempt_at=timezone.now() + backoff(message.attempts),
        )
        return "retry"
    ours.update(status=OutboxStatus.SENT, claimed_at=None, sent_at=timezone.now())
    return "sent"


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Queue due rows and recover rows stuck in "sending"; returns how many rows were queued."""
    now = timezone.now()
    stuck = Q(status=OutboxStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
    # The lost attempt was counted when it was claimed.
    OutboxMessage.objects.filter(stuck, attempts__gte=MAX_ATTEMPTS).update(
        status=OutboxStatus.FAILED, claimed_at=None, last_error="worker lost while sending"
    )
    recovered = OutboxMessage.objects.filter(stuck).update(
        status=OutboxStatus.PENDING, claimed_at=None, next_attempt_at=now
    )
    if recovered:
        logger.warning("outbox: %s rows were stuck in sending (worker lost?) and are queued again", recovered)
    # Retried rows (attempts > 0) have no task waiting; fresh ones get a grace period for theirs.
    due = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(attempts__gt=0) | Q(next_attempt_at__lte=now - FRESH_GRACE))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    ids = list(due)
    for pk in ids:
        deliver_outbox.delay(pk)
    return len(ids)


# One beat schedule for the whole project (DESIGN.md "Scale": a single beat); expiry keeps a stopped worker
# from finding a pile of sweeps when it comes back.
app.add_periodic_task(SWEEP_EVERY, sweep_outbox.s(), name="notify.sweep_outbox", expires=SWEEP_EVERY - 5)
