from django.urls import path

from . import leaderboard_views, staff_views, views

app_name = "league"
urlpatterns = [
    path("", views.home, name="home"),
    path("rules/", views.rules, name="rules"),
    path("leaderboard/", leaderboard_views.leaderboard_page, name="leaderboard"),
    path("leaderboard.json", leaderboard_views.leaderboard_json, name="leaderboard-json"),
    path("leaderboard.csv", leaderboard_views.leaderboard_csv, name="leaderboard-csv"),
    path("language/", views.set_language, name="set-language"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/leaderboard/", staff_views.leaderboard_page, name="staff-leaderboard"),
    path("staff/leagues/", staff_views.league_list, name="staff-leagues"),
    path("staff/leaderboard/freeze/", staff_views.freeze, name="staff-freeze"),
    path("staff/leaderboard/prizes/", staff_views.prize_award, name="staff-prize-award"),
    path(
        "staff/leaderboard/prizes/<int:pk>/remove/",
        staff_views.prize_remove,
        name="staff-prize-remove",
    ),
    path("staff/leaderboard/export.csv", staff_views.export_csv, name="staff-leaderboard-csv"),
    path("staff/leaderboard/export.xlsx", staff_views.export_xlsx, name="staff-leaderboard-xlsx"),
    path("staff/seasons/", views.staff_season_list, name="staff-seasons"),
    path("staff/seasons/<int:pk>/copy/", views.staff_season_copy, name="staff-season-copy"),
    path(
        "staff/seasons/<int:pk>/activate/",
        views.staff_season_activate,
        name="staff-season-activate",
    ),
]
