"""Many rows fast, for query-count tests: copies of a request that was built through the services.

Running the services 500 times costs minutes; copying the rows one request left behind (the request, its clients,
coordinating departments and history, its approval instance with tasks, events and copies, and the notifications
it caused) costs a few bulk inserts and gives rows exactly as valid and as visible as the original's."""

from django.db import transaction
from django.urls import reverse

from jiedai.approvals.models import ApprovalEvent, ApprovalInstance, ApprovalTask, CcRecord
from jiedai.notify.models import Notification
from jiedai.receptions.access import DOCUMENT_TYPE
from jiedai.receptions.models import Reception, ReceptionClient, ReceptionHistory


def _copy(obj, **changes):
    """An unsaved copy of a model instance with some fields changed (by attname, e.g. reception_id)."""
    model = type(obj)
    values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
    values.update(changes)
    return model(**values)


@transaction.atomic
def clone_reception(template: Reception, copies: int) -> list[int]:
    """`copies` copies of `template` (as it is in the database now) and everything hanging off it; returns the
    new requests' ids."""
    template = Reception.objects.get(pk=template.pk)
    clones = Reception.objects.bulk_create(
        [_copy(template, number=f"C{template.pk}-{n:05d}" if template.number else None) for n in range(1, copies + 1)]
    )
    ids = [clone.pk for clone in clones]

    departments = Reception.coordinating_departments.through
    links = list(departments.objects.filter(reception_id=template.pk))
    departments.objects.bulk_create([_copy(row, reception_id=pk) for pk in ids for row in links])
    clients = list(ReceptionClient.objects.filter(reception=template))
    ReceptionClient.objects.bulk_create([_copy(row, reception_id=pk) for pk in ids for row in clients])
    history = list(ReceptionHistory.objects.filter(reception=template).order_by("id"))
    ReceptionHistory.objects.bulk_create([_copy(row, reception_id=pk) for pk in ids for row in history])

    notifications = list(Notification.objects.filter(document_type=DOCUMENT_TYPE, document_id=template.pk))
    Notification.objects.bulk_create(
        [_copy(row, document_id=pk, url=reverse("receptions:detail", args=[pk])) for pk in ids for row in notifications]
    )

    instance = ApprovalInstance.objects.filter(document_type=DOCUMENT_TYPE, document_id=template.pk).first()
    if instance is None:
        return ids
    instances = ApprovalInstance.objects.bulk_create(
        [_copy(instance, document_id=pk, url=reverse("receptions:detail", args=[pk])) for pk in ids]
    )
    tasks = list(ApprovalTask.objects.filter(instance=instance).order_by("id"))
    new_tasks = ApprovalTask.objects.bulk_create(
        [_copy(task, instance_id=copy.pk, document_id=copy.document_id) for copy in instances for task in tasks]
    )
    # The copies of one instance's tasks come out in the template's order: map old task id -> new task id.
    task_map = [
        {old.pk: new.pk for old, new in zip(tasks, new_tasks[i * len(tasks) : (i + 1) * len(tasks)], strict=True)}
        for i in range(len(instances))
    ]
    events = list(ApprovalEvent.objects.filter(instance=instance).order_by("id"))
    ApprovalEvent.objects.bulk_create(
        [
            _copy(event, instance_id=copy.pk, task_id=task_map[i].get(event.task_id))
            for i, copy in enumerate(instances)
            for event in events
        ]
    )
    records = list(CcRecord.objects.filter(instance=instance))
    CcRecord.objects.bulk_create(
        [_copy(record, instance_id=copy.pk, document_id=copy.document_id) for copy in instances for record in records]
    )
    return ids
