from django.contrib import admin

from .models import League, Season


class LeagueInline(admin.TabularInline):
    model = League
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "start_date", "end_date", "registration_deadline", "is_active")
    inlines = [LeagueInline]


@admin.register(League)
class LeagueAdmin(admin.ModelAdmin):
    list_display = ("name", "season", "position")
    list_filter = ("season",)
