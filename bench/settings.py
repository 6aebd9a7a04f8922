"""Settings of the HTTP benchmarks: the portal's own, with `bench.urls` adding a baseline view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
