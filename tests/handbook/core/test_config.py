"""Configuration: embedded defaults that need nothing else; a secret that is never a constant."""

from __future__ import annotations

import stat
from pathlib import Path

from handbook import create_app


def test_the_embedded_default_is_sqlite_in_the_instance_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": None, "SECRET_KEY": None})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'handbook.db'}"
    assert app.config["REDIS_URL"] is None
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (app.config["HOST"], app.config["PORT"]) == ("127.0.0.1", 5000)
    assert app.config["SOCKETIO_ASYNC_MODE"] == "threading"


def test_the_secret_key_is_made_once_kept_private_and_reused(tmp_path: Path) -> None:
    first = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None})
    key_file = tmp_path / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None})
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app({"INSTANCE_PATH": str(tmp_path / "elsewhere"), "SECRET_KEY": None})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]
    assert not any(p.name.startswith(".secret_key") for p in tmp_path.iterdir())


def test_settings_come_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/handbook")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("PORT", "8080")

    # Config reads the environment when its module loads; re-read it the same way here.
    import importlib

    import handbook.core.config as config_module

    fresh = importlib.reload(config_module)
    try:
        app = create_app(
            {
                **{k: getattr(fresh.Config, k) for k in dir(fresh.Config) if k.isupper()},
                "INSTANCE_PATH": str(tmp_path),
            }
        )
        assert app.config["DATABASE_URL"] == "postgresql://db.example/handbook"
        assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
        assert app.config["SECRET_KEY"] == "from-the-environment"
        assert app.config["PORT"] == 8080
        assert not (tmp_path / "secret_key").exists()
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


def test_behind_a_proxy_the_members_own_address_counts(tmp_path: Path) -> None:
    from flask import request

    app = create_app({"INSTANCE_PATH": str(tmp_path), "PROXY_COUNT": 1, "TESTING": True})

    @app.get("/_address")
    def _address() -> str:
        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "203.0.113.7 https"
    direct = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "TESTING": True})
    direct.add_url_rule("/_address", view_func=_address)
    spoofed = direct.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert spoofed.get_data(as_text=True).startswith("127.0.0.1")  # never trusted by default


def test_each_deployment_has_its_own_message_channel(tmp_path: Path) -> None:
    """Redis pub/sub ignores the db number: deployments sharing a Redis must not hear each other."""
    from handbook import _queue_channel

    one = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "TESTING": True})
    two = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "TESTING": True})
    same = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "c"),
            "TESTING": True,
            "DATABASE_URL": one.config["DATABASE_URL"],
        }
    )
    assert _queue_channel(one) != _queue_channel(two)
    assert _queue_channel(one) == _queue_channel(same)  # the processes of one deployment agree
