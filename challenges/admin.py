from django.contrib import admin

from .models import Challenge


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ("code", "title_de", "points", "kind", "counted_at_most", "season")
    list_filter = ("season", "kind")
