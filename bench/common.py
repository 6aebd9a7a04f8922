"""What the benchmark scripts share: the portal's environment for the processes they start, and
database URLs beside the one they were given."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Never inherited from the caller's shell: each benchmark says what it uses.
DROPPED = ("DEBUG", "REDIS_URL", "REDIS_CACHE_URL", "CACHE_KEY_PREFIX", "DJANGO_SETTINGS_MODULE")


def database_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def portal_env(url: str, **overrides: str) -> dict[str, str]:
    """The environment of a portal process on database `url`: the production settings, as the
    image runs them, but over plain HTTP on 127.0.0.1; `overrides` last."""
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env.update(
        DATABASE_URL=url,
        DJANGO_ENV="production",
        SECURE_SSL_REDIRECT="0",
        SECRET_KEY="bench-only-secret-key",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="config.settings",
        MEDIA_ROOT=str(Path(tempfile.gettempdir()) / "league-bench-media"),
    )
    env.update(overrides)
    return env
