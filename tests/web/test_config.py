"""Configuration comes from the environment and fails early, naming the variable at fault."""

import pytest

from revaluation.config import ConfigError, load_config


def test_development_defaults_use_sqlite_in_instance_and_keep_secret(tmp_path):
    config = load_config(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'revaluation.sqlite3'}"
    assert load_config(tmp_path, {})["SECRET_KEY"] == config["SECRET_KEY"]  # generated once
    assert len(config["SECRET_KEY"]) == 64


def test_production_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY and PANEL_CODE_KEY"):
        load_config(tmp_path, {"REVALUATION_ENV": "production"})


def test_production_with_secrets_is_secure(tmp_path):
    config = load_config(
        tmp_path,
        {
            "REVALUATION_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "PANEL_CODE_KEY": "y" * 40,
        },
    )
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMALL_CELL_THRESHOLD": "five"}, "SMALL_CELL_THRESHOLD must be a whole number"),
        ({"SMALL_CELL_THRESHOLD": "1"}, "SMALL_CELL_THRESHOLD must be at least 2"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must start with"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must start with"),
        ({"REVALUATION_ENV": "staging"}, "REVALUATION_ENV must be"),
        ({"SESSION_COOKIE_SECURE": "maybe"}, "SESSION_COOKIE_SECURE must be true or false"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, env)


def test_postgres_urls_use_psycopg3(tmp_path):
    config = load_config(tmp_path, {"DATABASE_URL": "postgres://u@h/db"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
