"""/api/v1/notifications: the caller's inbox."""

from datetime import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jiedai.notify.selectors import notifications_for
from jiedai.notify.services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["notifications"])

LIST_LIMIT = 100


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    document_type: str
    document_id: int | None
    created_at: datetime
    read: bool


class NotificationListOut(Schema):
    items: list[NotificationOut]


class ReadOut(Schema):
    id: int
    read: bool


class ReadAllOut(Schema):
    updated: int


@router.get("", response=NotificationListOut, summary="我的通知（最新 100 条）")
def notification_list(request, unread: bool = False):
    rows = notifications_for(request.auth, unread_only=unread)[:LIST_LIMIT]
    return {
        "items": [
            {
                "id": n.pk,
                "kind": n.kind,
                "title": n.title,
                "document_type": n.document_type,
                "document_id": n.document_id,
                # Shown in the company's zone with its offset (+08:00), like the rest of the API.
                "created_at": timezone.localtime(n.created_at),
                "read": n.read_at is not None,
            }
            for n in rows
        ]
    }


@router.post("/read-all", response=ReadAllOut, summary="全部标为已读")
def notification_read_all(request):
    return {"updated": notifications_mark_all_read(user=request.auth)}


@router.post("/{int:notification_id}/read", response=ReadOut, summary="标为已读")
def notification_read(request, notification_id: int):
    try:
        notification_mark_read(user=request.auth, notification_id=notification_id)
    except Http404 as exc:
        raise HttpError(404, _("通知不存在。")) from exc
    return {"id": notification_id, "read": True}
