"""Settings for the test suite: production defaults, with what tests need set explicitly."""

from __future__ import annotations

import os

os.environ.setdefault("EQUITYHUB_TESTING", "1")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("EMAIL_URL", "locmem://")
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("REQUIRE_MFA_FOR_STAFF", "0")
os.environ.setdefault("ACCOUNT_EMAIL_VERIFICATION", "mandatory")

from equityhub.settings import *  # noqa: F403  (Django's settings layering: inherit everything)

# Argon2 is deliberately slow; tests hash thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The rate limits are tested on their own; elsewhere they would make tests order-dependent.
ACCOUNT_RATE_LIMITS = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
