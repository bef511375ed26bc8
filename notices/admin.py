from django.contrib import admin

from notices.models import Award, Notice, NoticeRevision, NoticeSettings, Objection


@admin.register(NoticeSettings)
class NoticeSettingsAdmin(admin.ModelAdmin):
    list_display = ["scheme", "auto_publish", "objection_days"]


class NoticeRevisionInline(admin.TabularInline):
    model = NoticeRevision
    fields = ["version", "content_hash", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices change through the services (publish, objections, finalise)."""

    list_display = ["__str__", "status", "published_at", "window_end", "finalized_at"]
    list_filter = ["status", "period__scheme"]
    inlines = [NoticeRevisionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "staff", "status", "created_at", "decided_at"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    """Issued awards for payroll: filter by kind and period, export from the list."""

    list_display = ["staff", "title", "kind", "prize", "notice", "issued_at", "revoked_at"]
    list_filter = ["kind", "notice__period__scheme"]
    search_fields = ["staff__name", "staff__employee_no"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
