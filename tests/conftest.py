"""Shared fixtures: an app on a real database (SQLite, or PostgreSQL where asked), clients,
sign-in helpers, factories for organisations and people, and a guard against the internet."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from handbook import create_app
from handbook.accounts.models import User
from handbook.accounts.passwords import hash_password
from handbook.core import db as hdb
from handbook.core.config import TestConfig
from handbook.orgs.models import Organization, OrgKind, Role
from handbook.orgs.operations import add_membership, create_organization
from tests.live import ARTIFACTS, run_live_server  # noqa: E402

PASSWORD = "mat-khau-thu-nghiem"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


# --- one URL builder per rule, not per app ----------------------------------------------------

_builders: dict[tuple[Any, ...], Callable[..., Any]] = {}
_compile_builder = Rule._compile_builder


def _shared_builder(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
    """Werkzeug writes and compiles Python source for each rule's URL builder whenever a rule
    joins a map: 0.13 s of every test's fresh app (~200 rules), two minutes of the suite's CPU.
    The builder is a plain function of what is keyed here (it reads the rule's converters
    through the rule it is bound to), so the tests' apps share one per rule."""
    key = (
        self.rule,
        tuple(self._trace),
        repr(sorted((self.defaults or {}).items())),
        append_unknown,
    )
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


Rule._compile_builder = _shared_builder  # type: ignore[method-assign]


# --- no internet ---------------------------------------------------------------------------


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # unix socket
        return True
    host = str(address[0])
    return host.startswith("127.") or host in {"::1", "localhost"}


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that leaves this machine: the suite must pass with no network."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(real: Callable[..., Any]) -> Callable[..., Any]:
        def connect(self: socket.socket, address: Any) -> Any:
            if not _is_local(address):
                raise OSError(f"test tried to reach the internet: {address!r}")
            return real(self, address)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guarded(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))


# --- the real server, for end-to-end tests ---------------------------------------------------


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and server logs worth keeping after a run (``test-artifacts/``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def live_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared live server's instance folder (its SQLite file): for a test that stands in
    for the clock, running an hourly sweep against it."""
    return tmp_path_factory.mktemp("live-instance")


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path, live_instance: Path
) -> Iterator[str]:
    """``python -m handbook serve`` on a free loopback port, with the demo data."""
    yield from run_live_server(tmp_path_factory, artifacts_dir, instance=live_instance)


# --- databases -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test gets a copy (fast and fully isolated)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    hdb.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A private schema in the PostgreSQL test database, migrated to head, dropped at the end."""
    try:
        admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}")
    schema = f"hb_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        hdb.upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on; modules parametrize it to run on both."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "handbook.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_schema_url")
    yield url
    engine = hdb.make_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in hdb.Base.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


# --- the app -------------------------------------------------------------------------------


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Callable[..., Flask]:
    """Build an app on this test's database; keyword overrides go into its config."""

    def build(**overrides: Any) -> Flask:
        config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
        config.update(DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"))
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = FreshContextClient
        return app

    return build


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    The ``app`` fixture keeps a context open for the test's own queries, and Flask would reuse
    it for requests, sharing ``g`` (and so the signed-in user) between two "browsers".
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app
        hdb.session.remove()
    app.extensions["handbook.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign ``user`` in on ``client`` (a browser of its own), failing loudly if refused."""
    response = client.post("/login", data={"login": user.login_name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


class FreshContextSocket:
    """A Socket.IO test client whose events each run in their own app context, as in
    production; otherwise every socket in a test shares ``g`` and so the signed-in user."""

    def __init__(self, app: Flask, browser: FlaskClient) -> None:
        from handbook.core.extensions import socketio

        self._app = app
        with app.app_context():
            self._client = socketio.test_client(app, flask_test_client=browser)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def in_fresh_context(*args: Any, **kwargs: Any) -> Any:
            with self._app.app_context():
                return attribute(*args, **kwargs)

        return in_fresh_context


def socket_for(app: Flask, user: User) -> FreshContextSocket:
    """A signed-in browser with its Socket.IO connection open (initial events drained)."""
    browser = app.test_client()
    login(browser, user)
    live = FreshContextSocket(app, browser)
    assert live.is_connected()
    live.get_received()
    return live


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, login: str, password: str = PASSWORD, **extra: Any) -> Any:
        return self._client.post("/login", data={"login": login, "password": password, **extra})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


# --- factories -----------------------------------------------------------------------------


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organization]:
    def make(name: str, kind: OrgKind, parent: Organization | None = None) -> Organization:
        org = create_organization(name, kind, parent)
        hdb.session.commit()
        return org

    return make


_phones = iter(range(100_000, 999_999))


@functools.cache
def _password_hash(password: str) -> str:
    """Hash each test password once per run: argon2 is slow on purpose."""
    return hash_password(password)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(
        org: Organization | None = None,
        role: Role = Role.MEMBER,
        *,
        full_name: str = "Nguyễn Văn An",
        phone: str | None = None,
        username: str | None = None,
        password: str = PASSWORD,
        is_admin: bool = False,
        must_change: bool = False,
    ) -> User:
        phone = phone or (None if username else f"0912{next(_phones):06d}")
        user = User(
            full_name=full_name,
            phone=phone,
            username=username,
            password_hash=_password_hash(password),
            is_admin=is_admin,
            must_change_password=must_change,
        )
        hdb.session.add(user)
        if org is not None:
            add_membership(user, org, role)
        hdb.session.commit()
        return user

    return make


@dataclass
class Tree:
    """Province → district → commune C → branches B1, B2; commune C2 → branch B3; and people."""

    province: Organization
    district: Organization
    commune: Organization
    b1: Organization
    b2: Organization
    commune2: Organization
    b3: Organization
    member_b1: User
    secretary_b1: User
    member_b2: User
    secretary_b2: User
    committee_c: User
    admin_district: User
    member_b3: User
    platform_admin: User


@pytest.fixture
def tree(make_org: Callable[..., Organization], make_user: Callable[..., User]) -> Tree:
    province = make_org("Tỉnh Thử Nghiệm", OrgKind.PROVINCE)
    district = make_org("Huyện Một", OrgKind.DISTRICT, province)
    commune = make_org("Xã Tân Tiến", OrgKind.COMMUNE, district)
    b1 = make_org("Chi bộ thôn Một", OrgKind.BRANCH, commune)
    b2 = make_org("Chi bộ thôn Hai", OrgKind.BRANCH, commune)
    commune2 = make_org("Xã Bình Minh", OrgKind.COMMUNE, district)
    b3 = make_org("Chi bộ thôn Ba", OrgKind.BRANCH, commune2)
    return Tree(
        province=province,
        district=district,
        commune=commune,
        b1=b1,
        b2=b2,
        commune2=commune2,
        b3=b3,
        member_b1=make_user(b1, Role.MEMBER, full_name="Lò Thị Mai", phone="0912000002"),
        secretary_b1=make_user(b1, Role.SECRETARY, full_name="Hoàng Văn Thắng", phone="0912000001"),
        member_b2=make_user(b2, Role.MEMBER, full_name="Lục Thị Lan"),
        secretary_b2=make_user(b2, Role.SECRETARY, full_name="Ma Văn Hùng"),
        committee_c=make_user(commune, Role.COMMITTEE, full_name="Đinh Thị Hạnh"),
        admin_district=make_user(district, Role.ADMIN, full_name="Trần Văn Quản"),
        member_b3=make_user(b3, Role.MEMBER, full_name="Vàng A Páo"),
        platform_admin=make_user(username="admin", full_name="Quản trị", is_admin=True),
    )
