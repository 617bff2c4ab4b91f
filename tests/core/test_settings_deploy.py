"""A production configuration passes Django's deploy checks with nothing but the essentials set."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from equityhub.settings import email_settings_from_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
EQUITYHUB = Path(sys.executable).with_name("equityhub")
# Variables of the environment the suite itself runs in (test settings, CI) that must not
# leak into the production-like process.
KEEP = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV"}


def strong_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def production_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name in KEEP}
    env.update(
        DEBUG="0",
        ALLOWED_HOSTS="equityhub.example.org",
        DATABASE_URL="sqlite:////tmp/x.sqlite3",
        **extra,
    )
    return env


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (a fixed command, our own entry point)
        [str(EQUITYHUB), "check", "--deploy"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_passes_with_only_debug_secret_key_and_hosts():
    result = run_check(production_env(SECRET_KEY=strong_secret_key()))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_without_a_secret_key_production_refuses_to_start_with_a_clear_message():
    result = run_check(production_env())

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


# email_settings_from_url ---------------------------------------------------------------------


def test_console_email():
    assert email_settings_from_url("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_smtp_with_starttls_user_and_password():
    settings = email_settings_from_url(
        "smtp+tls://mailer%40wustl.edu:p%40ss%2Fword@smtp.example.edu:2525"
    )

    assert settings == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.edu",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "mailer@wustl.edu",
        "EMAIL_HOST_PASSWORD": "p@ss/word",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_smtp_defaults_to_the_submission_port_without_tls():
    settings = email_settings_from_url("smtp://relay.internal")
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"]) == ("relay.internal", 587)
    assert (settings["EMAIL_USE_TLS"], settings["EMAIL_USE_SSL"]) == (False, False)
    assert settings["EMAIL_HOST_USER"] == ""


def test_smtp_with_tls_asked_for_in_the_query():
    assert email_settings_from_url("smtp://relay.internal:25?tls=1")["EMAIL_USE_TLS"] is True


def test_smtp_over_ssl_defaults_to_port_465():
    settings = email_settings_from_url("smtp+ssl://smtp.example.edu")
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_SSL"], settings["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_file_email_keeps_the_path():
    assert email_settings_from_url("file:///var/mail/equity%20hub") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/equity hub",
    }


def test_the_scheme_is_case_insensitive():
    assert email_settings_from_url("LOCMEM://")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")


@pytest.mark.parametrize("url", ["sendgrid://key", "", "mailto:office@example.edu"])
def test_an_unknown_scheme_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_settings_from_url(url)
