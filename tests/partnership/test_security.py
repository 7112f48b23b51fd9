import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from partnership.demo import DEMO_PASSWORD
from tests.conftest import child_env
from tests.factories import demo_user

ROOT = Path(__file__).resolve().parents[2]


def test_strict_content_security_policy_and_headers(client, db):
    response = client.get(reverse("account_login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_scripts_or_styles():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "/pdf/" in str(path):
            continue  # PDF templates are rendered by WeasyPrint, never served to a browser
        text = path.read_text()
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or "<style" in text
            or " style=" in text
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _settings_in_subprocess(env_overrides):
    env = child_env(drop=("DEBUG", "SECRET_KEY"), **env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_debug_is_off_and_a_secret_key_is_required_unless_set():
    result = _settings_in_subprocess({})
    assert result.returncode != 0
    assert "SECRET_KEY skal sættes" in result.stderr
    result = _settings_in_subprocess({"SECRET_KEY": "x" * 50})
    assert result.returncode == 0 and result.stdout.strip() == "False"
    result = _settings_in_subprocess({"DEBUG": "1"})
    assert result.returncode == 0 and result.stdout.strip() == "True"


def test_docker_compose_is_valid_and_complete():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert "gunicorn" in str(services["web"]["command"])
    assert "worker" in str(services["worker"]["command"])
    assert "beat" in str(services["beat"]["command"])
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "DATABASE_URL" in env and "CELERY_BROKER_URL" in env
    assert compose.get("volumes")


def test_password_reset_by_email(client, demo, mailoutbox):
    response = client.post(
        reverse("account_reset_password"), {"email": "sagsbehandler.slagelse@portal.example"}
    )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/konto/password/reset/key/\S+)", mailoutbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"password1": "Nyt-kodeord-2026!", "password2": "Nyt-kodeord-2026!"}
    )
    assert response.status_code == 302
    user = demo_user("sagsbehandler.slagelse@portal.example")
    user.refresh_from_db()
    assert user.check_password("Nyt-kodeord-2026!")
    assert not user.check_password(DEMO_PASSWORD)


@pytest.mark.parametrize("path", ["/healthz"])
def test_health_endpoint(client, db, path):
    assert client.get(path).json()["database"] == "ok"


def test_admin_login_goes_through_the_portal_login_with_mfa(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_production_configuration_passes_check_deploy():
    env = child_env(
        drop=("DEBUG",),
        SECRET_KEY="x" * 20 + "production-like-secret-key-for-the-check-0123456789",
        SECURE_SSL_REDIRECT="1",
        SECURE_COOKIES="1",
        SECURE_HSTS_SECONDS="31536000",
        ALLOWED_HOSTS="portal.example",
        SITE_URL="https://portal.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_error_pages_are_danish_and_in_the_portal_layout(client, demo):
    client.force_login(demo_user("branche.los@portal.example"))
    forbidden = client.get(reverse("contracts:contract_list"))
    assert (
        forbidden.status_code == 403
        and "Du har ikke adgang til siden" in forbidden.content.decode()
    )
    missing = client.get("/findes-ikke/")
    assert missing.status_code == 404 and "Siden findes ikke" in missing.content.decode()
    assert "Partnerskabsportalen" in missing.content.decode()
