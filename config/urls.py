"""The portal's URLs: each app's own, allauth and the admin."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

# The admin logs in through allauth, so staff pass the second factor there too.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Azure Acceleration League"

urlpatterns = [
    path("", include("league.urls")),
    path("", include("partners.urls")),
    path("", include("challenges.urls")),
    path("", include("credits.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
