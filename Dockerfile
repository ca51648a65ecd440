# syntax=docker/dockerfile:1
# Artel Billiards image: one image for web (daphne), worker, beat and the migrate job.
#   docker build -t artel-billiards .
# Stages: builder (compilers, pinned wheels into /opt/venv) -> assets (compiled translations and
# collected static files) -> runtime (python:3.11-slim, no compilers, non-root).
ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the virtualenv ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# Compilers only for a dependency without a wheel for this platform; they stay in this stage.
# psycopg[binary] ships its own libpq, so neither libpq-dev nor libpq5 is needed anywhere.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install --upgrade pip \
    && pip install -r /tmp/requirements.txt

# --- assets: translations and static files, built once into the image ------------------------------
FROM builder AS assets
WORKDIR /app
COPY . /app
# Settings refuse DEBUG=0 with the default key, so this step alone gets a throwaway one; it never
# reaches the runtime image (an ENV would). No database or Redis is touched by these commands.
RUN if find . -name '*.po' | grep -q .; then \
        DEBUG=0 SECRET_KEY=build-only-collectstatic-not-a-secret \
        python manage.py compilemessages; \
    fi \
    && DEBUG=0 SECRET_KEY=build-only-collectstatic-not-a-secret \
        python manage.py collectstatic --noinput -v0 \
    && rm -rf /app/var

# --- runtime -----------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=0
RUN groupadd --system --gid 10001 artel \
    && useradd --system --uid 10001 --gid artel --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin artel
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
# Code and static files stay root-owned (read-only to the app); only var/ is writable
# (celery beat's schedule file lives there).
COPY --from=assets /app /app
RUN mkdir -p /app/var && chown artel:artel /app/var
USER artel:artel
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "web"]
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
