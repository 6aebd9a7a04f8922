# Production image: gunicorn serves config.wsgi; the same image runs the Celery worker and beat
# (see docker-compose.yml). Static files are collected at build time and served by WhiteNoise.
FROM python:3.11-slim-bookworm

ENV DJANGO_ENV=production \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango/HarfBuzz and a font for WeasyPrint's PDFs; gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 league \
    && useradd --system --uid 1000 --gid league --home-dir /app --shell /usr/sbin/nologin league

WORKDIR /app

# Requirements first, so code changes do not reinstall them. A pinned, hashed pip first: the
# image's own pip must not decide whether the hashed install works.
COPY requirements-pip.txt requirements.txt ./
RUN pip install --require-hashes -r requirements-pip.txt \
    && pip install --require-hashes -r requirements.txt

COPY manage.py ./
COPY config ./config
COPY core ./core
COPY seasons ./seasons
COPY league ./league
COPY partners ./partners
COPY challenges ./challenges
COPY credits ./credits
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY locale_overrides ./locale_overrides

RUN STATIC_MANIFEST=1 SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown league:league /data/media

USER league

ENV STATIC_MANIFEST=1 \
    MEDIA_ROOT=/data/media \
    WEB_CONCURRENCY=2

EXPOSE 8000

# gunicorn reads the number of workers from WEB_CONCURRENCY. Its control socket would live in the
# read-only $HOME and is not needed.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--no-control-socket"]
