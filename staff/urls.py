from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list_view, name="list"),
    path("new/", views.staff_create_view, name="create"),
    path("<int:pk>/", views.staff_detail_view, name="detail"),
    path("<int:pk>/edit/", views.staff_edit_view, name="edit"),
    path("<int:pk>/leave/", views.staff_leave_view, name="leave"),
    path("<int:pk>/login/", views.staff_login_view, name="create_login"),
    path("units/", views.unit_tree_view, name="units"),
    path("import/", views.staff_import_view, name="import"),
    path("import/confirm/", views.staff_import_confirm_view, name="import_confirm"),
    path("import/template/", views.staff_import_template_view, name="import_template"),
    path("export/", views.staff_export_view, name="export"),
]
