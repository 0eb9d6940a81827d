# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# Pango for WeasyPrint's PDFs (their fonts are vendored in static/fonts/).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
RUN pip install -c requirements.lock .
COPY . .
RUN SECRET_KEY=build-only EMBEDDED=true python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 portal && mkdir -p /app/var && chown portal /app/var
USER portal
EXPOSE 8000
# Bind address, workers, request limits and timeouts: gunicorn.conf.py.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "portal.wsgi:application"]
