from django.urls import path

from evaluations import scheme_views as views

app_name = "schemes"

urlpatterns = [
    path("", views.scheme_list_view, name="list"),
    path("new/", views.scheme_new_view, name="new"),
    path("new/edit/", views.scheme_create_view, name="create"),
    path("import/", views.scheme_import_view, name="import"),
    path("editor/row/", views.scheme_row_view, name="row"),
    path("<int:pk>/", views.scheme_detail_view, name="detail"),
    path("<int:pk>/edit/", views.scheme_edit_view, name="edit"),
    path("<int:pk>/versions/", views.scheme_versions_view, name="versions"),
    path("<int:pk>/diff/", views.scheme_diff_view, name="diff"),
    path("<int:pk>/export/", views.scheme_export_view, name="export"),
    path("<int:pk>/archive/", views.scheme_archive_view, name="archive"),
    path("<int:pk>/unarchive/", views.scheme_unarchive_view, name="unarchive"),
    path("<int:pk>/delete/", views.scheme_delete_view, name="delete"),
    path("<int:pk>/periods/<str:key>/", views.scheme_period_view, name="period"),
]
