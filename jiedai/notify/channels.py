"""Delivery channels. A channel is a small object in CHANNELS; adding WeCom / DingTalk / Feishu means writing one
class with `name`, `wants` and `send` and registering it (then listing its name in settings.NOTIFY_CHANNELS).

Contract:
- `wants(notification)` decides whether this recipient can be reached at all (no e-mail address → False); the
  outbox row is then `skipped`, not retried. It is asked when the row is written and again before sending.
  `notification.recipient` is loaded; do not query per call if avoidable.
- `send(message)` delivers `message.notification` (with `.recipient` loaded) and raises on any failure; the task
  records the error and retries with backoff. It must not write the OutboxMessage row itself.
- A send that reached the far side but raised anyway will be retried: keep sends idempotent where the channel
  allows it (robots accept a message id in some APIs) — "sent twice" is only excluded up to that point.
"""

from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.notify.models import Notification, OutboxMessage

DEFAULT_CHANNELS = ("inapp", "email")


@runtime_checkable
class Channel(Protocol):
    name: str

    def wants(self, notification: Notification) -> bool: ...

    def send(self, message: OutboxMessage) -> None: ...


CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    if channel.name in CHANNELS:
        raise ImproperlyConfigured(f"notification channel {channel.name!r} registered twice")
    CHANNELS[channel.name] = channel
    return channel


def enabled_channels() -> list[Channel]:
    """The channels every notification goes out on: settings.NOTIFY_CHANNELS (default: in-app and e-mail)."""
    names = getattr(settings, "NOTIFY_CHANNELS", DEFAULT_CHANNELS)
    unknown = [name for name in names if name not in CHANNELS]
    if unknown:
        raise ImproperlyConfigured(f"NOTIFY_CHANNELS names unknown channels: {unknown}")
    return [CHANNELS[name] for name in names]


def absolute_url(path: str) -> str:
    if not path:
        return ""
    return settings.SITE_URL.rstrip("/") + path


class InAppChannel:
    """The inbox row already exists (written with the change); delivery stamps when the worker saw it."""

    name = "inapp"

    def wants(self, notification: Notification) -> bool:
        return True

    def send(self, message: OutboxMessage) -> None:
        Notification.objects.filter(pk=message.notification_id, delivered_at__isnull=True).update(
            delivered_at=timezone.now()
        )


class EmailChannel:
    name = "email"

    def wants(self, notification: Notification) -> bool:
        return bool(notification.recipient.email)

    def send(self, message: OutboxMessage) -> None:
        notification = message.notification
        # A header may not contain a line break (BadHeaderError); titles are one line anyway.
        subject = " ".join(notification.title.split())
        parts = [notification.body.strip()]
        if notification.url:
            parts.append(_("查看详情：%(link)s") % {"link": absolute_url(notification.url)})
        send_mail(subject, "\n\n".join(p for p in parts if p), None, [notification.recipient.email])


register(InAppChannel())
register(EmailChannel())
