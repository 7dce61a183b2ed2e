# taskapi image: a builder stage installs the pinned requirements into a venv; the runtime stage
# copies that venv and the code only, and runs gunicorn as an unprivileged user.
# Build: docker build -t taskapi .   Run: see docker-compose.yml and docs/deploy.md and docs/operating.md.
# gunicorn must never face clients itself: run it behind a buffering proxy (nginx with
# docs/deploy/nginx.conf), on a private network, and never publish its port (-p/-P).

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# every wheel we pin is binary (psycopg[binary], psycopg2-binary, orjson, ...): no compiler needed
RUN /opt/venv/bin/pip install --require-virtualenv -r /tmp/requirements.txt

FROM python:3.11-slim
# PORT binds gunicorn to 0.0.0.0:$PORT: inside the container, for the proxy on its network only
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/taskapi-metrics
RUN groupadd --system --gid 10001 taskapi \
    && useradd --system --uid 10001 --gid taskapi --no-create-home --home-dir /app taskapi
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY taskapi/ taskapi/
COPY sql/ sql/
COPY migrations/ migrations/
COPY gunicorn.conf.py yoyo.ini ./
USER 10001:10001
# no EXPOSE: `docker run -P` would publish gunicorn's port to every host interface
# slim has no curl: python's urllib fails (exit 1) on a refused connection or a 503
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health\", timeout=2)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "taskapi.app:app"]
