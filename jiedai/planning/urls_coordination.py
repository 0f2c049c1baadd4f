"""URLs of the plan's coordination part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import coordination

plan_patterns = [
    path("coordination/", coordination.coordination_view, name="coordination"),
    # policy 3.2.1: the communication log and the client's special needs
    path("coordination/communications/new/", coordination.communication_create_view, name="communication_create"),
    path(
        "coordination/communications/<int:item_id>/edit/",
        coordination.communication_edit_view,
        name="communication_edit",
    ),
    path(
        "coordination/communications/<int:item_id>/delete/",
        coordination.communication_delete_view,
        name="communication_delete",
    ),
    path("coordination/needs/new/", coordination.need_create_view, name="need_create"),
    path("coordination/needs/<int:item_id>/edit/", coordination.need_edit_view, name="need_edit"),
    path("coordination/needs/<int:item_id>/delete/", coordination.need_delete_view, name="need_delete"),
    # policy 3.2.2: coordination meetings and preparation tasks
    path("coordination/meetings/new/", coordination.meeting_create_view, name="meeting_create"),
    path("coordination/meetings/<int:item_id>/edit/", coordination.meeting_edit_view, name="meeting_edit"),
    path("coordination/tasks/new/", coordination.task_create_view, name="task_create"),
    path("coordination/tasks/<int:item_id>/edit/", coordination.task_edit_view, name="task_edit"),
    path("coordination/tasks/<int:item_id>/status/", coordination.task_status_view, name="task_status"),
]

site_patterns = []
