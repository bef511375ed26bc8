"""Admin views of the organisation. Staff and units change through the StarService pages and
services (which keep the audit log), so the admin shows them read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from staff.models import Certificate, Position, Staff, Unit


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["path", "head"]
    search_fields = ["path"]
    list_select_related = ["head"]


@admin.register(Staff)
class StaffAdmin(ReadOnlyAdmin):
    list_display = ["employee_no", "name", "unit", "position", "status"]
    list_filter = ["status", "position"]
    search_fields = ["employee_no", "name", "name_initials"]
    list_select_related = ["unit", "position"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    search_fields = ["name"]
