"""A process that cannot start says why in one line, names the variable, quotes no secret, and exits
with a code scripts can tell apart: 2 for a setting, 69 for a database or Redis that does not
answer (gunicorn: its own 4, "App failed to load", after printing our line)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from gunicorn.errors import AppImportError

from app.config import ConfigError, MissingSettingError, config_from_env
from app.observability.startup_errors import ServiceUnreachable, check_database, public_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRETS = {"SECRET_KEY": "x", "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
           "SHOPIFY_API_KEY": "id", "SHOPIFY_API_SECRET": "s"}
SOFT_BOUNCE_LINE = "configuration error: SOFT_BOUNCE_LIMIT must be a whole number, got 'three'"
DOWN_URL = "postgresql+psycopg://aftersales:hunter2@127.0.0.1:1/aftersales"


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("SOFT_BOUNCE_LIMIT", "three", "must be a whole number, got 'three'"),
    ("SOFT_BOUNCE_LIMIT", "0", "must be at least 1, got '0'"),
    ("MAX_WEBHOOK_BYTES", "2MB", "must be a whole number, got '2MB'"),
    ("TRUSTED_PROXY_COUNT", "-1", "must be at least 0, got '-1'"),
    ("QUIET_HOURS_START", "24", "must be at most 23, got '24'"),
    ("DISPATCH_INTERVAL_SECONDS", "0", "must be above 0, got '0'"),
    ("MARKETING_MIN_GAP_HOURS", "nan", "must be a number, got 'nan'"),
    ("LOG_LEVEL", "loud", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'loud'"),
    ("LOG_FORMAT", "xml", "must be one of json, text, got 'xml'"),
    ("REDIS_URL", "localhost:6379", "must start with redis://, rediss:// or unix://"),
])
def test_a_malformed_setting_names_its_variable(name, value, problem):
    with pytest.raises(ConfigError) as info:
        config_from_env({**SECRETS, name: value})
    assert (info.value.variable, info.value.problem) == (name, problem)
    assert info.value.line() == f"configuration error: {name} {problem}"


def test_a_database_url_error_never_quotes_the_password():
    for url in ("postgres://app:hunter2@db/aftersales", "not a url hunter2"):
        with pytest.raises(ConfigError) as info:
            config_from_env({**SECRETS, "DATABASE_URL": url})
        assert info.value.variable == "DATABASE_URL" and "hunter2" not in info.value.line()
    assert "got scheme 'postgres'" in ConfigError.line(_raised({**SECRETS,
                                                                "DATABASE_URL": "postgres://a:b@db/x"}))


def _raised(env) -> ConfigError:
    try:
        config_from_env(env)
    except ConfigError as exc:
        return exc
    raise AssertionError("no ConfigError")


def test_missing_settings_are_one_line():
    error = _raised({"SECRET_KEY": "x"})
    assert isinstance(error, MissingSettingError)
    assert error.line() == ("configuration error: TOKEN_ENCRYPTION_KEY, SHOPIFY_API_KEY, SHOPIFY_API_SECRET "
                            "must be "
                            "set (see .env.example; `make run` generates local values)")


def test_public_url_drops_the_password():
    assert public_url(DOWN_URL) == "postgresql+psycopg://aftersales@127.0.0.1:1/aftersales"
    assert public_url("redis://:hunter2@cache:6379/0") == "redis://cache:6379/0"
    assert public_url("sqlite:///var/x.sqlite3") == "sqlite:///var/x.sqlite3"


def test_an_unreachable_database_says_which_and_what_to_check(tmp_path):
    with pytest.raises(ServiceUnreachable) as info:
        check_database(f"sqlite:///{tmp_path}/no/such/folder/x.sqlite3")
    assert info.value.line() == (f"database unreachable at sqlite:///{tmp_path}/no/such/folder/x.sqlite3 "
                                 "(OperationalError: unable to open database file); check DATABASE_URL, "
                                 "that its folder exists and is writable by this user")
    assert info.value.exit_code == 69


def test_the_wsgi_factory_turns_a_config_error_into_gunicorns_app_load_error(monkeypatch):
    from app import wsgi

    for name, value in {**SECRETS, "SOFT_BOUNCE_LIMIT": "three"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(AppImportError) as info:
        wsgi.create()
    assert str(info.value) == SOFT_BOUNCE_LINE


def _env(tmp_path, **overrides) -> dict[str, str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **SECRETS,
           "DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite3", "REDIS_URL": "redis://127.0.0.1:1/0"}
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


BAD_SETTINGS = [
    ({"SOFT_BOUNCE_LIMIT": "three"}, SOFT_BOUNCE_LINE),
    ({"SHOPIFY_API_SECRET": None},
     "configuration error: SHOPIFY_API_SECRET must be set (see .env.example; `make run` generates local "
     "values)"),
    ({"TOKEN_ENCRYPTION_KEY": "not-a-fernet-key"},
     "configuration error: TOKEN_ENCRYPTION_KEY must hold url-safe base64 Fernet keys of 32 bytes each, "
     "comma-separated (make one: python -c 'from cryptography.fernet import Fernet; "
     "print(Fernet.generate_key().decode())')"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("overrides", "line"), BAD_SETTINGS)
def test_the_worker_prints_one_line_and_exits_2(tmp_path, overrides, line):
    result = _run([sys.executable, "-m", "app.worker"], _env(tmp_path, **overrides))
    assert (result.returncode, result.stderr) == (2, line + "\n")


@pytest.mark.slow
@pytest.mark.parametrize(("overrides", "line"), BAD_SETTINGS)
def test_the_flask_command_prints_one_line_and_exits_2(tmp_path, overrides, line):
    result = _run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], _env(tmp_path, **overrides))
    assert (result.returncode, result.stderr) == (2, line + "\n")


@pytest.mark.slow
def test_the_release_step_names_an_unreachable_database_without_its_password(tmp_path):
    result = _run([str(BIN / "flask"), "--app", "app", "db", "upgrade"],
                  _env(tmp_path, DATABASE_URL=DOWN_URL))
    assert result.returncode == 69
    assert result.stderr.startswith("database unreachable at "
                                    "postgresql+psycopg://aftersales@127.0.0.1:1/aftersales (")
    assert result.stderr.endswith("); check DATABASE_URL, that the server is running and accepts connections "
                                  "from this host (host, port, user, password, database name)\n")
    assert result.stderr.count("\n") == 1 and "hunter2" not in result.stderr


@pytest.mark.slow
def test_the_worker_names_an_unreachable_redis(tmp_path):
    result = _run([sys.executable, "-m", "app.worker"],
                  _env(tmp_path, REDIS_URL="redis://:hunter2@127.0.0.1:1/0"))
    assert result.returncode == 69
    assert result.stderr.startswith("redis unreachable at redis://127.0.0.1:1/0 (ConnectionError: ")
    assert result.stderr.count("\n") == 1 and "hunter2" not in result.stderr


@pytest.mark.slow
def test_gunicorn_prints_the_line_without_a_traceback_and_the_master_exits(tmp_path):
    procfile = (ROOT / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "'app.wsgi:create()'" in web and "--timeout 30" in web and "--access-logfile -" in web
    result = _run([str(BIN / "gunicorn"), "--workers", "1", "--bind", "127.0.0.1:0", "--timeout", "30",
                   "--access-logfile", "-", "--logger-class", "app.observability.logs.GunicornLogger",
                   "app.wsgi:create()"],
                  _env(tmp_path, SOFT_BOUNCE_LIMIT="three"))
    assert result.returncode == 4  # gunicorn's APP_LOAD_ERROR: the master shut down
    assert SOFT_BOUNCE_LINE in result.stderr.splitlines()
    assert "Traceback" not in result.stderr + result.stdout
