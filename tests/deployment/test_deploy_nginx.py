"""The shipped ``deploy/nginx.conf``, run by Debian's real nginx in front of two real ``serve``
processes (PostgreSQL, Redis, shared secret and files, as README's scale-out says), over TLS
with a certificate this test makes: plain HTTP redirects to HTTPS, HTTPS sends HSTS, a member
signs in and gets a ``Secure`` cookie, and a comment posted over ``wss://`` through one process
reaches a reader on the other.

The configuration is the file itself with its ports, upstream addresses and paths replaced line
by line (each replacement must match exactly once, so the file cannot drift from what is
tested), wrapped in a minimal main configuration with a private prefix, pid and logs."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import socketio
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from requests.adapters import HTTPAdapter

from handbook.demo import DEMO_PASSWORD
from tests.conftest import PG_URL
from tests.live import ROOT, free_port, run_demo, stop, wait_until_up

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
SHIPPED = ROOT / "deploy" / "nginx.conf"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        NGINX is None, reason="Debian's nginx is not installed (scripts/setup test installs it)"
    ),
]


# --- a certificate authority and a certificate for 127.0.0.1 -------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path  # what clients trust
    chain: Path  # the server's certificate, then the CA's (ssl_certificate)
    key: Path  # ssl_certificate_key


def _make_certificates(folder: Path) -> Certificates:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (P-256)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "handbook test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = Certificates(ca=folder / "ca.pem", chain=folder / "chain.pem", key=folder / "key.pem")
    paths.ca.write_bytes(ca.public_bytes(pem))
    paths.chain.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    paths.key.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    paths.key.chmod(0o600)
    return paths


# --- the shipped configuration, rendered ---------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    prefix: Path
    conf: Path
    http_port: int
    https_port: int
    upstreams: tuple[int, int]
    certificates: Certificates
    acme: Path


def _render(shipped: str, replacements: list[tuple[str, str]]) -> str:
    """The shipped text with each line replaced; every one must be there exactly once."""
    text = shipped
    for old, new in replacements:
        count = text.count(old)
        assert count == 1, f"deploy/nginx.conf should hold {old!r} exactly once, not {count}"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """deploy/nginx.conf on free loopback ports, with this test's certificate and folders."""
    prefix = tmp_path_factory.mktemp("nginx")
    for folder in ("logs", "temp", "acme"):
        (prefix / folder).mkdir()
    certificates = _make_certificates(prefix)
    ports: list[int] = []
    while len(ports) < 4:  # four different ones
        if (port := free_port()) not in ports:
            ports.append(port)
    http_port, https_port, *backends = ports
    upstreams = (backends[0], backends[1])
    site = _render(
        SHIPPED.read_text(),
        [
            ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
            ("    listen [::]:80;\n", ""),  # loopback IPv4 only: the test machine may lack IPv6
            ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
            ("    listen [::]:443 ssl http2;\n", ""),
            ("    server 127.0.0.1:5001;\n", f"    server 127.0.0.1:{upstreams[0]};\n"),
            ("    server 127.0.0.1:5002;\n", f"    server 127.0.0.1:{upstreams[1]};\n"),
            (
                "ssl_certificate /etc/ssl/handbook/fullchain.pem;",
                f"ssl_certificate {certificates.chain};",
            ),
            (
                "ssl_certificate_key /etc/ssl/handbook/privkey.pem;",
                f"ssl_certificate_key {certificates.key};",
            ),
            ("root /var/www/acme;", f"root {prefix / 'acme'};"),
            # Port 443 goes without saying in a URL; a test port does not.
            (
                "return 301 https://$host$request_uri;",
                f"return 301 https://$host:{https_port}$request_uri;",
            ),
        ],
    )
    (prefix / "handbook.conf").write_text(site)
    temp = prefix / "temp"
    # As root, the workers would otherwise run as nobody, who cannot enter pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "logs" / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    access_log {prefix / "logs" / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {prefix / "handbook.conf"};
}}
"""
    conf = prefix / "nginx.conf"
    conf.write_text(main)
    return Rendered(
        prefix=prefix,
        conf=conf,
        http_port=http_port,
        https_port=https_port,
        upstreams=upstreams,
        certificates=certificates,
        acme=prefix / "acme",
    )


def _nginx(rendered: Rendered, *args: str) -> list[str]:
    assert NGINX is not None
    return [
        NGINX,
        "-p",
        str(rendered.prefix),
        "-e",
        str(rendered.prefix / "logs" / "error.log"),
        "-c",
        str(rendered.conf),
        *args,
    ]


# --- two serve processes behind nginx ------------------------------------------------------


@dataclass
class Stack:
    base: str  # https://127.0.0.1:<port>
    rendered: Rendered
    logs: tuple[Path, Path]  # each serve process's log


def _postgres_or_skip() -> sa.Engine:
    engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}")
    return engine


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}: {exc}")


@pytest.fixture(scope="module")
def stack(rendered: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """nginx with the rendered configuration, in front of two ``serve`` processes."""
    engine = _postgres_or_skip()
    _redis_or_skip()
    schema = f"hb_nginx_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    work = tmp_path_factory.mktemp("behind-nginx")
    sep = "&" if "?" in PG_URL else "?"
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_URL}{sep}options=-csearch_path%3D{schema}",
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": "nginx-test-secret",
        "DOCS_STORE_ROOT": str(work / "blobs"),  # one folder for every process
        "PROXY_COUNT": "1",
        "SERVER_JOB_WORKERS": "0",
        "LOG_LEVEL": "WARNING",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "HANDBOOK_INSTANCE": str(work / "instance-demo"),
        "PYTHONUNBUFFERED": "1",
    }
    servers: list[subprocess.Popen[bytes]] = []
    nginx: subprocess.Popen[bytes] | None = None
    logs = (work / "serve-0.log", work / "serve-1.log")
    try:
        run_demo(env)
        for i, port in enumerate(rendered.upstreams):
            with logs[i].open("wb") as log:
                servers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "handbook", "serve"],
                        cwd=ROOT,
                        env={**env, "PORT": str(port), "HANDBOOK_INSTANCE": str(work / f"i{i}")},
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        for server, port, log_path in zip(servers, rendered.upstreams, logs, strict=True):
            wait_until_up(server, f"http://127.0.0.1:{port}/login", log_path)

        nginx = subprocess.Popen(
            _nginx(rendered, "-g", "daemon off;"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(nginx, rendered)
        yield Stack(
            base=f"https://127.0.0.1:{rendered.https_port}",
            rendered=rendered,
            logs=logs,
        )
    finally:
        if nginx is not None:
            stop(nginx, sig=15)  # SIGTERM: nginx's fast shutdown
        for server in servers:
            stop(server)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _wait_for_port(nginx: subprocess.Popen[bytes], rendered: Rendered) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if nginx.poll() is not None:
            pytest.fail(
                f"nginx exited with {nginx.returncode}:\n"
                + (rendered.prefix / "logs" / "error.log").read_text(errors="replace")
            )
        try:
            with socket.create_connection(("127.0.0.1", rendered.https_port), timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("nginx did not listen")


# --- clients -------------------------------------------------------------------------------


class _FromAddress(HTTPAdapter):
    """Connections from one loopback address: nginx's ip_hash keys on it."""

    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def _browser(stack: Stack, source: str = "127.0.0.1") -> requests.Session:
    """A client that trusts only the test's CA, as a phone trusts the real one."""
    session = requests.Session()
    session.trust_env = False  # or REQUESTS_CA_BUNDLE from the environment would win
    session.verify = str(stack.rendered.certificates.ca)
    session.mount("https://", _FromAddress(source))
    session.mount("http://", _FromAddress(source))
    return session


def _sign_in(stack: Stack, session: requests.Session, login: str) -> requests.Response:
    """The sign-in form as a browser sends it (the Referer too: CSRF checks it on HTTPS)."""
    form = session.get(f"{stack.base}/login", timeout=30)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    answer = session.post(
        f"{stack.base}/login",
        data={"login": login, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
        headers={"Referer": f"{stack.base}/login"},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, answer.text[:500]
    return answer


def _process_of(stack: Stack, source: str) -> int:
    """Which serve process nginx sends this client address to (found in their logs)."""
    probe = uuid.uuid4().hex
    with _browser(stack, source) as session:
        assert session.get(f"{stack.base}/login?probe={probe}", timeout=30).status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for i, log in enumerate(stack.logs):
            if probe in log.read_text(errors="replace"):
                return i
        time.sleep(0.1)
    pytest.fail("the probe request is in neither process's log")


class _Member:
    """A signed-in member's Socket.IO client over wss:// through nginx, from ``source``."""

    def __init__(self, stack: Stack, source: str, login: str) -> None:
        self.session = _browser(stack, source)
        _sign_in(stack, self.session, login)
        self.heard: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        # websocket-client cannot choose its source address, so it gets a socket that is
        # connected from there; TLS is checked against the test's CA, hostname included.
        tls = ssl.create_default_context(cafile=str(stack.rendered.certificates.ca))
        raw = socket.create_connection(
            ("127.0.0.1", stack.rendered.https_port), timeout=30, source_address=(source, 0)
        )
        self.tls_socket = tls.wrap_socket(raw, server_hostname="127.0.0.1")
        self.client = socketio.Client(
            reconnection=False,
            http_session=self.session,
            websocket_extra_options={"socket": self.tls_socket},
        )
        self.client.on("comment.new", self._on_new)
        self.client.connect(
            stack.base.replace("https://", "wss://"),
            transports=["websocket"],
            headers={"User-Agent": self.session.headers["User-Agent"]},
            wait_timeout=20,
        )

    def _on_new(self, data: dict[str, Any]) -> None:
        self.heard.append(data)
        self.arrived.set()

    def close(self) -> None:
        self.client.disconnect()
        self.tls_socket.close()
        self.session.close()


def _a_published_document(stack: Stack, session: requests.Session) -> int:
    me = session.get(f"{stack.base}/api/v1/me", timeout=30).json()
    branch = next(m["organization"]["id"] for m in me["memberships"])
    meetings = session.get(f"{stack.base}/api/v1/organizations/{branch}/meetings", timeout=30)
    for meeting in meetings.json()["meetings"]:
        detail = session.get(f"{stack.base}/api/v1/meetings/{meeting['id']}", timeout=30).json()
        if detail.get("documents"):
            return int(detail["documents"][0]["id"])
    pytest.fail("the demo has no published document")


# --- the tests -----------------------------------------------------------------------------


def test_nginx_accepts_the_shipped_configuration(rendered: Rendered) -> None:
    checked = subprocess.run(
        _nginx(rendered, "-t"), capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


@pytest.mark.postgres  # the two serve processes behind nginx
def test_plain_http_only_redirects_to_https_and_serves_acme_challenges(stack: Stack) -> None:
    host, port = "127.0.0.1", stack.rendered.http_port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", "/login?next=%2Fmeetings")
        response = connection.getresponse()
        response.read()
        assert response.status == 301
        assert response.getheader("Location") == (
            f"https://127.0.0.1:{stack.rendered.https_port}/login?next=%2Fmeetings"
        )
        assert response.getheader("Strict-Transport-Security") is None  # only over HTTPS

        # Certificate renewal (ACME http-01) is answered over plain HTTP from the folder.
        challenge = stack.rendered.acme / ".well-known" / "acme-challenge"
        challenge.mkdir(parents=True, exist_ok=True)
        (challenge / "token-123").write_text("token-123.thumbprint")
        connection.request("GET", "/.well-known/acme-challenge/token-123")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b"token-123.thumbprint"
    finally:
        connection.close()


@pytest.mark.postgres  # the two serve processes behind nginx
def test_https_sends_hsts_over_modern_tls_with_http2_offered(stack: Stack) -> None:
    with _browser(stack) as session:
        response = session.get(f"{stack.base}/login", timeout=30)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    context = ssl.create_default_context(cafile=str(stack.rendered.certificates.ca))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.rendered.https_port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() == "TLSv1.3"
        assert tls.selected_alpn_protocol() == "h2"

    tls12 = ssl.create_default_context(cafile=str(stack.rendered.certificates.ca))
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    with (
        socket.create_connection(("127.0.0.1", stack.rendered.https_port), timeout=30) as raw,
        tls12.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        cipher, version, _ = tls.cipher()
        assert version == "TLSv1.2"
        assert cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA20" in cipher)


@pytest.mark.postgres  # the two serve processes behind nginx
def test_signing_in_over_https_sets_a_secure_session_cookie(stack: Stack) -> None:
    with _browser(stack) as session:
        answer = _sign_in(stack, session, "0912000002")
        cookies = answer.raw.headers.getlist("Set-Cookie")
        session_cookie = next(c for c in cookies if c.startswith("session="))
        attributes = {part.strip().split("=")[0].lower() for part in session_cookie.split(";")}
        assert "secure" in attributes, session_cookie
        assert "httponly" in attributes, session_cookie
        me = session.get(f"{stack.base}/api/v1/me", timeout=30)
        assert me.status_code == 200


@pytest.mark.postgres  # the two serve processes behind nginx
def test_a_comment_over_wss_reaches_a_reader_on_the_other_process(stack: Stack) -> None:
    # Two client addresses that nginx's ip_hash sends to different processes (it keys on the
    # first three octets of an IPv4 address, so they differ in the third).
    by_process: dict[int, str] = {}
    for third in range(1, 64):
        source = f"127.0.{third}.1"
        by_process.setdefault(_process_of(stack, source), source)
        if len(by_process) == 2:
            break
    assert len(by_process) == 2, "every address went to the same process"

    poster = _Member(stack, by_process[0], "0912000002")
    reader = _Member(stack, by_process[1], "0912000003")
    try:
        document = _a_published_document(stack, poster.session)
        for member in (poster, reader):
            joined = member.client.call("comments.join", {"document": document}, timeout=30)
            assert joined["ok"], joined
        posted = poster.client.call(
            "comment.post",
            {"document": document, "body": "Góp ý qua HTTPS", "client_id": uuid.uuid4().hex},
            timeout=30,
        )
        assert posted["ok"], posted
        assert reader.arrived.wait(30), "the comment did not reach the other process's reader"
        assert [c["id"] for c in reader.heard] == [posted["comment"]["id"]]
        assert reader.heard[0]["body"] == "Góp ý qua HTTPS"
    finally:
        poster.close()
        reader.close()
