from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from inspections.models import Finding, Inspection


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ("record", "photo", "dispute_comment", "disputed_by", "disputed_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Inspection)
class InspectionAdmin(SimpleHistoryAdmin):
    list_display = ("date", "type", "unit", "inspector", "status")
    list_filter = ("type", "status")
    list_select_related = ("unit", "inspector")
    readonly_fields = ("cosigned_by", "cosigned_at")
    inlines = [FindingInline]
