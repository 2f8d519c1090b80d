"""Production: refuses to start without its secrets; HTTPS everywhere."""

from ltc.settings.base import *  # noqa: F403
from ltc.settings.env import env, mandatory

DEBUG = False
SECRET_KEY = mandatory("SECRET_KEY")
ALLOWED_HOSTS = [h for h in mandatory("ALLOWED_HOSTS").split(",") if h.strip()]

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
