from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import InspectorAssignment


@admin.register(InspectorAssignment)
class InspectorAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user"]
    search_fields = ["user__username"]
    filter_horizontal = ["units"]
    autocomplete_fields = ["user"]
