"""URLs of the plan's materials part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import materials

plan_patterns = [
    path("materials/", materials.materials_view, name="materials"),
    path("materials/upload/", materials.material_upload_view, name="material_upload"),
    path("materials/<int:material_id>/edit/", materials.material_edit_view, name="material_edit"),
    path("materials/<int:material_id>/delete/", materials.material_delete_view, name="material_delete"),
    path("materials/<int:material_id>/download/", materials.material_download_view, name="material_download"),
]

site_patterns = []
