from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("", views.board_view, name="board"),
    path("<int:pk>/", views.notice_detail_view, name="detail"),
    path("<int:pk>/print/", views.notice_print_view, name="print"),
    path("<int:pk>/workbook/", views.notice_workbook_view, name="workbook"),
    path("<int:pk>/publish/", views.notice_publish_view, name="publish"),
    path("<int:pk>/object/", views.objection_create_view, name="object"),
    path("drafts/", views.drafts_view, name="drafts"),
    path("settings/", views.settings_list_view, name="settings"),
    path("settings/<slug:code>/", views.settings_edit_view, name="settings_edit"),
    path("objections/", views.objections_queue_view, name="objections"),
    path("objections/mine/", views.my_objections_view, name="mine"),
    path("objections/<int:pk>/", views.objection_review_view, name="objection"),
    path("objections/<int:pk>/uphold/", views.objection_uphold_view, name="uphold"),
    path("objections/<int:pk>/reject/", views.objection_reject_view, name="reject"),
    path(
        "objections/<int:pk>/attachment/",
        views.objection_attachment_view,
        name="objection_attachment",
    ),
]
