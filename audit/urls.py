from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list_view, name="list"),
    path("history/<str:label>/<int:pk>/", views.audit_object_view, name="object_history"),
    path("mine/", views.audit_mine_view, name="mine"),
]
