"""Configuration fails fast and names what is missing."""
import pytest

from app import create_app
from app.config import MissingSettingError, config_from_env


def test_missing_secrets_are_named():
    with pytest.raises(MissingSettingError) as info:
        config_from_env({"SECRET_KEY": "x", "SHOPIFY_API_KEY": "k"})
    assert info.value.names == ["TOKEN_ENCRYPTION_KEY", "SHOPIFY_API_SECRET"]
    assert "TOKEN_ENCRYPTION_KEY" in str(info.value)


def test_defaults_apply_when_only_secrets_are_given():
    config = config_from_env({"SECRET_KEY": "x", "TOKEN_ENCRYPTION_KEY": "k",
                              "SHOPIFY_API_KEY": "id", "SHOPIFY_API_SECRET": "s"})
    assert config["DATABASE_URL"].startswith("sqlite:///")
    assert config["SMTP_URL"] == "console:"


def test_create_app_from_environment_refuses_to_start(monkeypatch):
    for name in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingSettingError):
        create_app()


def test_bad_encryption_key_is_a_clear_error(config):
    config["TOKEN_ENCRYPTION_KEY"] = "not-a-key"
    with pytest.raises(ValueError, match="TOKEN_ENCRYPTION_KEY"):
        create_app(config)
