from django.urls import path

from jiedai.receptions import views

app_name = "receptions"

urlpatterns = [
    path("", views.reception_list_view, name="list"),
    path("new/", views.reception_create_view, name="create"),
    path("clients/search/", views.client_search_view, name="client_search"),
    path("<int:pk>/", views.reception_detail_view, name="detail"),
    path("<int:pk>/edit/", views.reception_edit_view, name="edit"),
    path("<int:pk>/submit/", views.reception_submit_view, name="submit"),
    path("<int:pk>/withdraw/", views.reception_withdraw_view, name="withdraw"),
    path("<int:pk>/print/", views.reception_print_view, name="print"),
]
