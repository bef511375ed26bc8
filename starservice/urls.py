from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("staff/", include("staff.urls")),
    path("schemes/", include("evaluations.scheme_urls")),
    path("inspections/", include("inspections.urls")),
    path("complaints/", include("complaints.urls")),
    path("", include("dashboards.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("notices/", include("notices.urls")),
    path("notifications/", include("notifications.urls")),
]
