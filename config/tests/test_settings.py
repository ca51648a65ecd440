"""Settings read from the environment: production refuses an unsafe SECRET_KEY."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _import_settings(**env):
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=BASE_DIR,
        env={**environ, "PYTHONPATH": str(BASE_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_a_missing_secret_key():
    result = _import_settings(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is the development default" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = _import_settings(DEBUG="0", SECRET_KEY="dev-insecure-artel-billiards-key-change-me")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _import_settings(DEBUG="0", SECRET_KEY="a-real-secret-" + "x" * 40)
    assert result.returncode == 0, result.stderr


def test_debug_allows_the_development_key():
    result = _import_settings(DEBUG="1", SECRET_KEY="")
    assert result.returncode == 0, result.stderr


def test_time_zone_is_aware_with_the_club_default(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Europe/Moscow"


def _settings_value(expr: str, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environ.update(env)
    result = subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print({expr})"],
        cwd=BASE_DIR,
        env={**environ, "PYTHONPATH": str(BASE_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_bounded_connection_pool_is_configured_on_request():
    options = _settings_value(
        "s.DATABASES['default']['OPTIONS'].get('pool')",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/artel",
        DB_POOL_MAX_SIZE="20",
    )
    assert options == "{'min_size': 2, 'max_size': 20, 'timeout': 3.0}"


def test_no_pool_unless_asked():
    options = _settings_value(
        "s.DATABASES['default']['OPTIONS'].get('pool')",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/artel",
    )
    assert options == "None"


def test_admission_control_follows_the_pool_size_on_postgresql():
    limit = _settings_value(
        "s.HTTP_MAX_CONCURRENCY",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/artel",
        DB_POOL_MAX_SIZE="12",
    )
    assert limit == "12"


def test_admission_control_lets_few_requests_at_once_on_sqlite():
    limit = _settings_value("s.HTTP_MAX_CONCURRENCY", DEBUG="1", DATABASE_URL="sqlite:///x.db")
    assert limit == "4"
