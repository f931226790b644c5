import pytest

from qbank import create_app
from qbank.config import ConfigError, load_config


def test_secret_key_is_required_outside_testing():
    with pytest.raises(ConfigError, match="QBANK_SECRET_KEY is not set"):
        create_app(environ={})


def test_short_secret_key_is_refused():
    with pytest.raises(ConfigError, match="too short"):
        create_app(environ={"QBANK_SECRET_KEY": "short"})


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text("k" * 64 + "\n")
    app = create_app(environ={"QBANK_SECRET_KEY_FILE": str(key_file)})
    assert app.config["SECRET_KEY"] == "k" * 64


def test_settings_come_from_the_environment_given_to_the_factory():
    config = load_config(
        {
            "QBANK_DATABASE_URL": "postgresql://u@db/qbank",
            "QBANK_UPLOAD_LIMIT_MB": "5",
            "QBANK_SECURE_COOKIES": "true",
            "QBANK_REMEMBER_DAYS": "7",
            "QBANK_LOGIN_ADDRESS_LIMIT": "300 per 10 minutes",
        }
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/qbank"
    assert config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["QBANK_REMEMBER_DAYS"] == 7
    assert config["REMEMBER_COOKIE_DURATION"] == 7 * 24 * 3600
    assert config["QBANK_LOGIN_ADDRESS_LIMIT"] == "300 per 10 minutes"


def test_a_malformed_throttle_limit_is_named_at_start_up():
    with pytest.raises(ConfigError, match="QBANK_SIGNUP_ADDRESS_LIMIT: 'lots' is not a limit"):
        create_app(environ={"QBANK_SECRET_KEY": "s" * 40, "QBANK_SIGNUP_ADDRESS_LIMIT": "lots"})


def test_defaults_are_sqlite_in_instance_and_lax_httponly_cookies():
    config = load_config({})
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///qbank.sqlite3"
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024


def test_malformed_number_is_named():
    with pytest.raises(ConfigError, match="QBANK_UPLOAD_LIMIT_MB"):
        load_config({"QBANK_UPLOAD_LIMIT_MB": "lots"})


def test_factory_does_not_touch_the_database(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'never.sqlite3'}"},
        environ={"QBANK_SECRET_KEY": "s" * 40},
    )
    assert app.name == "qbank"
    assert not (tmp_path / "never.sqlite3").exists()
