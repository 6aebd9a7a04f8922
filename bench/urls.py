"""The portal's URLs plus `/bench/trivial/`: the cheapest Django view, behind the same middleware
as every other view, as the baseline of bench/leaderboard.py."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *portal_urlpatterns]
