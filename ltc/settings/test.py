"""Tests: only what makes them faster; the database and Redis stay real."""

from ltc.settings.base import *  # noqa: F403
from ltc.settings.env import env

SECRET_KEY = "test-only-key"  # noqa: S105 - tests only
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = "ltc-test"  # noqa: F405
WORKER_HEARTBEAT_KEY = "ltc-test:celery:worker-heartbeat"
LOGGING = {"version": 1, "disable_existing_loggers": False}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Serve static files from the source folders, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
