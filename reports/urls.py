from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("period/", views.period_report_view, name="period"),
    path("exports/", views.export_create_view, name="export_create"),
    path("exports/<uuid:job_id>/", views.export_view, name="export"),
    path("exports/<uuid:job_id>/progress/", views.export_progress_view, name="export_progress"),
    path("exports/<uuid:job_id>/download/", views.export_download_view, name="export_download"),
]
