"""Command line: create-admin, import-members, demo, serve, voices (besides ``db upgrade``)."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from handbook import demo as demo_data
from handbook.accounts.models import User
from handbook.accounts.operations import create_user, set_password
from handbook.accounts.passwords import password_problem
from handbook.accounts.phone import normalize_phone
from handbook.core import db, jobevents, jobprocess, jobs, serving
from handbook.core.extensions import socketio
from handbook.documents.jobs import queue_after_commit
from handbook.meetings.publishing import publish_due
from handbook.orgs.member_import import import_members
from handbook.orgs.models import Organization
from handbook.voices.commands import voices


def init_app(app: Flask) -> None:
    for command in (create_admin, import_members_cmd, demo, serve, worker, voices):
        app.cli.add_command(command)


@click.command("create-admin", help="Create a platform administrator (or reset its password).")
@click.option("--username", default="admin", show_default=True)
@click.option("--name", "full_name", default="Quản trị hệ thống", show_default=True)
@click.option("--phone", default=None, help="Optional phone number to sign in with.")
@click.password_option(envvar="HANDBOOK_ADMIN_PASSWORD", help="Or set HANDBOOK_ADMIN_PASSWORD.")
def create_admin(username: str, full_name: str, phone: str | None, password: str) -> None:
    db.upgrade(current_app.config["DATABASE_URL"])
    problem = password_problem(password, login_names=(username, phone))
    if problem:
        raise click.ClickException(problem)
    normalized = normalize_phone(phone) if phone else None
    if phone and normalized is None:
        raise click.ClickException(f"Số điện thoại không hợp lệ: {phone}")
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user, _ = create_user(
            full_name=full_name,
            username=username,
            phone=normalized,
            password=password,
            is_admin=True,
        )
        click.echo(f"Đã tạo tài khoản quản trị “{username}”.")
    else:
        user.is_admin = True
        set_password(user, password, must_change=False)
        click.echo(f"Tài khoản “{username}” đã có: đã đặt lại mật khẩu và quyền quản trị.")
    db.session.commit()


@click.command("import-members", help="Import a branch's members from a CSV file, all or nothing.")
@click.option("--org", "org_id", type=int, required=True, help="Id of the organisation.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_members_cmd(org_id: int, csv_file: Path) -> None:
    db.upgrade(current_app.config["DATABASE_URL"])
    org = db.session.get(Organization, org_id)
    if org is None:
        raise click.ClickException(f"Không có tổ chức nào mang số {org_id}.")
    result = import_members(
        csv_file.read_bytes(), org, actor=None, max_rows=current_app.config["IMPORT_MAX_ROWS"]
    )
    if not result.ok:
        db.session.rollback()
        for error in result.errors:
            where = f"Dòng {error.line}: " if error.line else ""
            click.echo(f"{where}{error.message}", err=True)
        raise click.ClickException("Tệp có lỗi, chưa nhập đảng viên nào.")
    db.session.commit()
    click.echo(f"Đã nhập {len(result.created)} đảng viên vào {org.name}.")
    click.echo("Mật khẩu dùng một lần (phải đổi ở lần đăng nhập đầu tiên):")
    for new in result.created:
        click.echo(f"  {new.user.phone}\t{new.user.full_name}\t{new.one_time_password}")


@click.command("demo", help="Create demo organisations, accounts and a meeting (safe to rerun).")
def demo() -> None:
    db.upgrade(current_app.config["DATABASE_URL"])
    summary, documents = demo_data.load()
    for document in documents:  # read by the server's job worker (inline under tests)
        queue_after_commit(document)
    db.session.commit()
    # Its meetings are published now, so their members are told now: not seconds after serve
    # starts, when its job worker first looks and a member may already have a page open.
    publish_due.call_local()
    click.echo(summary)


@click.command("serve", help="Run the production server (gevent), with Socket.IO.")
@click.option("--host", default=None, help="Defaults to HOST, or 127.0.0.1.")
@click.option("--port", type=int, default=None, help="Defaults to PORT, or 5000.")
def serve(host: str | None, port: int | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["SOCKETIO_ASYNC_MODE"] != "gevent":
        raise click.ClickException("Run `serve` as `python -m handbook serve` (it needs gevent).")
    logging.getLogger("handbook").setLevel(logging.INFO)
    db.upgrade(app.config["DATABASE_URL"])
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    worker = _job_worker(app) if app.config["SERVER_JOB_WORKERS"] > 0 else None
    click.echo(f"Sổ tay Đảng viên điện tử đang chạy tại http://{host}:{port}/", err=True)
    sys.stdout.flush()
    # SIGTERM (a service manager, `kill`) and Ctrl-C end serve through ``finally``. Watched by
    # gevent's loop, not Python's handlers: those raise in whichever greenlet runs when the
    # signal lands, and a request's greenlet could swallow it (a Ctrl-C under load once left
    # serve running for over 30 s). The loop's watcher ends the main greenlet itself.
    _end_on(signal.SIGTERM, signal.SIGINT)
    try:
        # gevent's server as Flask-SocketIO builds it, with our handler: slow, idle and too
        # many connections from one address are let go (handbook/core/serving.py).
        handler = serving.handler_class(serving.Limits.from_config(app.config))
        socketio.run(app, host=host, port=port, log_output=True, handler_class=handler)
    finally:
        if worker is not None:
            worker.stop()


def _job_worker(app: Flask) -> jobprocess.Worker:
    """The embedded mode's job worker: a child process below serve's priority, started once
    serve runs (core/jobprocess.py); its events come back over a socket pair, or Redis."""
    manager = socketio.server.manager  # type: ignore[attr-defined]
    pass_fds: tuple[int, ...] = ()
    env: dict[str, str] = {}
    if isinstance(manager, jobevents.Receiver):
        manager.listen()
        pass_fds = (manager.theirs.fileno(),)
        env[jobevents.FD_ENV] = str(manager.theirs.fileno())
    worker = jobprocess.Worker(
        app.config["SERVER_JOB_WORKERS"],
        nice=app.config["SERVER_JOB_NICE"],
        pass_fds=pass_fds,
        env=env,
    )
    worker.start()
    return worker


def _end_on(*signals: signal.Signals) -> None:
    """End this process's main greenlet (``SystemExit(0)``) on any of ``signals``."""
    import gevent

    main = gevent.getcurrent()
    for signum in signals:
        gevent.signal_handler(signum, gevent.kill, main, SystemExit(0))


@click.command("worker", help="Run background job workers (scale-out, with REDIS_URL).")
@click.option("--workers", type=int, default=2, show_default=True)
@click.option(
    "--parent",
    type=int,
    default=None,
    hidden=True,
    help="serve's pid: the embedded mode's worker, which ends when serve ends.",
)
def worker(workers: int, parent: int | None) -> None:
    if parent is not None:
        jobprocess.follow_parent(parent)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.getLogger("handbook").setLevel(logging.INFO)
    # serve's own worker logs what serve logged when its jobs ran inside it, not each task.
    logging.getLogger("huey").setLevel(logging.WARNING if parent else logging.INFO)
    db.upgrade(app.config["DATABASE_URL"])
    consumer = jobs.create_consumer(workers=workers, worker_type="thread")
    jobs.recover(app)
    consumer.run()
