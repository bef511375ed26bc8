from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list_view, name="list"),
    path("new/", views.inspection_start_view, name="start"),
    path("<int:pk>/", views.inspection_detail_view, name="detail"),
    path("<int:pk>/findings/", views.finding_add_view, name="finding_add"),
    path("<int:pk>/people/", views.people_search_view, name="people"),
    path("<int:pk>/finding-fields/", views.finding_fields_view, name="finding_fields"),
    path("<int:pk>/cosign/", views.inspection_cosign_view, name="cosign"),
    path("findings/<int:pk>/dispute/", views.finding_dispute_view, name="finding_dispute"),
    path("findings/<int:pk>/photo/", views.finding_photo_view, name="finding_photo"),
    path("records/", views.record_list_view, name="records"),
    path("records/<int:pk>/", views.record_detail_view, name="record_detail"),
    path("records/<int:pk>/correct/", views.record_correct_view, name="record_correct"),
    path("records/<int:pk>/void/", views.record_void_view, name="record_void"),
    path("records/grid/", views.grid_view, name="grid"),
    path("records/import/", views.records_import_view, name="records_import"),
    path(
        "records/import/confirm/", views.records_import_confirm_view, name="records_import_confirm"
    ),
    path(
        "records/import/template/",
        views.records_import_template_view,
        name="records_import_template",
    ),
]
