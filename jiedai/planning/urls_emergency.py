"""URLs of the plan's emergency part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root
(the company's templates, their revisions and drills: policy 3.3)."""

from django.urls import path

from jiedai.planning.views import emergency, emergency_admin

plan_patterns = [
    path("emergency/", emergency.emergency_view, name="emergency"),
    path("emergency/attach/", emergency.emergency_attach_view, name="emergency_attach"),
    path("emergency/<int:emergency_id>/edit/", emergency.emergency_edit_view, name="emergency_edit"),
    path("emergency/<int:emergency_id>/remove/", emergency.emergency_remove_view, name="emergency_remove"),
]

site_patterns = [
    path("emergency/", emergency_admin.emergency_templates_view, name="emergency_templates"),
    path("emergency/new/", emergency_admin.emergency_template_create_view, name="emergency_template_create"),
    path("emergency/<int:template_id>/", emergency_admin.emergency_template_view, name="emergency_template"),
    path(
        "emergency/<int:template_id>/revise/",
        emergency_admin.emergency_template_revise_view,
        name="emergency_template_revise",
    ),
    path(
        "emergency/<int:template_id>/drills/new/",
        emergency_admin.emergency_drill_create_view,
        name="emergency_drill_create",
    ),
]
