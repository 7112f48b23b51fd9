# Partnerskabsportalen: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pango for WeasyPrint (PDFs), a font, and Node/npm for the design system (dkfds).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The whole source first: pyproject has `[tool.setuptools] packages = []`, so
# `pip install .` installs only the dependencies.
COPY . .
RUN pip install --no-cache-dir . \
    && rm -rf node_modules \
    && npm ci --omit=dev --no-audit --no-fund --loglevel=error \
    && DEBUG=0 SECRET_KEY=build python manage.py collectstatic --noinput

# Non-root user; /data/media and /data/beat are mount points for named volumes.
RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /data/media /data/beat \
    && chown -R portal:portal /data

USER portal

EXPOSE 8000

# The address, the workers and their recycling: config/gunicorn.py.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
