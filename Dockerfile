# The production image: runtime requirements only (no embedded servers, no test tools).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=ltc.settings.prod
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Translations are committed compiled (locale/*.mo); static files are collected at build time.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
RUN useradd --system --home /app ltc && mkdir -p /app/media && chown -R ltc /app/media
USER ltc
EXPOSE 8000
CMD ["gunicorn", "ltc.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
