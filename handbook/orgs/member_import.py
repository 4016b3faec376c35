"""Importing the members of an organisation from a CSV file, all or nothing.

The file is read and checked by ``member_csv``; here each row is also checked against the
accounts already stored, then every account is made in one transaction, or none. The page
runs this as a background job (``import_jobs``), the command line in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import sqlalchemy as sa

from handbook.accounts.models import User
from handbook.accounts.passwords import hash_one_time_passwords, one_time_password
from handbook.audit.operations import record
from handbook.core import db
from handbook.orgs.member_csv import Row, RowError, parse
from handbook.orgs.models import Membership, Organization, OrgKind, Role, Situation

__all__ = ["ImportResult", "NewAccount", "Row", "RowError", "check", "import_members", "store"]

T = TypeVar("T")

#: The tables themselves, for executemany (``store``).
_USERS = cast(sa.Table, User.__table__)
_MEMBERSHIPS = cast(sa.Table, Membership.__table__)
#: Passwords hashed between two reports of progress (each chunk spread over the cores).
_HASH_CHUNK = 256


@dataclass(frozen=True)
class NewAccount:
    line: int
    user: User
    role: Role
    one_time_password: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: list[NewAccount] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def allowed_roles(org: Organization, *, actor_is_admin: bool) -> frozenset[Role]:
    """Branches take members and secretaries; committees sit on the levels above."""
    if org.kind is OrgKind.BRANCH:
        return frozenset({Role.MEMBER, Role.SECRETARY})
    roles = {Role.MEMBER, Role.COMMITTEE} if actor_is_admin else {Role.MEMBER}
    return frozenset(roles)


def check(
    raw: bytes,
    org: Organization,
    *,
    actor_is_admin: bool,
    max_rows: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Row], list[RowError]]:
    """The good rows and every error, by line: the file's own and those against the accounts
    already stored. Reads the database, writes nothing."""
    roles = allowed_roles(org, actor_is_admin=actor_is_admin)
    rows, errors = parse(raw, max_rows=max_rows, allowed_roles=roles, progress=progress)
    errors += conflicts_with_database(rows)
    return rows, sorted(errors, key=lambda e: e.line)


def make_passwords(
    count: int, progress: Callable[[int, int], None] | None = None
) -> tuple[list[str], list[str]]:
    """``count`` one-time passwords and their hashes, a chunk at a time over the cores;
    ``progress(made, count)`` after each chunk."""
    passwords = [one_time_password() for _ in range(count)]
    hashes: list[str] = []
    for start in range(0, count, _HASH_CHUNK):
        hashes += hash_one_time_passwords(passwords[start : start + _HASH_CHUNK])
        if progress is not None:
            progress(len(hashes), count)
    return passwords, hashes


def store(
    rows: list[Row], hashes: list[str], org: Organization, *, actor_id: int | None
) -> list[int]:
    """Add an account and a membership per row, in bulk, in the caller's transaction (which
    commits, or rolls back on an ``IntegrityError``: a phone taken meanwhile); returns the
    new accounts' ids in the rows' order."""
    users = [
        {
            "full_name": row.full_name,
            "phone": row.phone,
            "username": row.username,
            "password_hash": password_hash,
            "must_change_password": True,
        }
        for row, password_hash in zip(rows, hashes, strict=True)
    ]
    # Plain executemany on the tables (the columns' defaults filled in by SQLAlchemy's core),
    # then the ids by phone (unique, and on every row): an ORM object per row took minutes for
    # 10,000 (quadratic in the organisation's collection), and the ORM's bulk INSERT ...
    # RETURNING three times as long as this, which holds SQLite's write lock throughout.
    db.session.execute(sa.insert(_USERS), users)
    phones = [row.phone for row in rows]
    ids: dict[str, int] = {}
    for chunk in _chunks(phones, 500):
        found = sa.select(User.phone, User.id).where(User.phone.in_(chunk))
        ids.update((phone, user_id) for phone, user_id in db.session.execute(found) if phone)
    user_ids = [ids[phone] for phone in phones]
    memberships = [
        {
            "user_id": user_id,
            "organization_id": org.id,
            "role": row.role,
            "standing": row.standing,
            "situation": Situation.EXEMPT if row.exempt_from else None,
            "situation_from": row.exempt_from,
            "situation_until": row.exempt_until,
        }
        for row, user_id in zip(rows, user_ids, strict=True)
    ]
    db.session.execute(sa.insert(_MEMBERSHIPS), memberships)
    record(
        "members.imported",
        actor_id=actor_id,
        target=org,
        organization_id=org.id,
        count=len(user_ids),
        user_ids=user_ids,
    )
    db.session.flush()
    return user_ids


def import_members(
    raw: bytes, org: Organization, *, actor: User | None, max_rows: int
) -> ImportResult:
    """Create an account and membership per row, or nothing when any row is bad: in the
    caller's request or command (the page queues ``import_jobs`` instead).

    Adds to the session without committing: the caller commits on ``result.ok``.
    """
    is_admin = actor is None or actor.is_admin
    rows, errors = check(raw, org, actor_is_admin=is_admin, max_rows=max_rows)
    if errors:
        return ImportResult(errors=errors)
    passwords, hashes = make_passwords(len(rows))
    user_ids = store(rows, hashes, org, actor_id=actor.id if actor else None)
    users: dict[int, User] = {}
    for chunk in _chunks(user_ids, 500):
        users.update(
            (u.id, u) for u in db.session.scalars(sa.select(User).where(User.id.in_(chunk)))
        )
    created = [
        NewAccount(row.line, users[user_id], row.role, password)
        for row, user_id, password in zip(rows, user_ids, passwords, strict=True)
    ]
    return ImportResult(created=created)


def conflicts_with_database(rows: list[Row]) -> list[RowError]:
    """Rows whose phone or username already belongs to an account."""
    errors: list[RowError] = []
    phones = {row.phone: row.line for row in rows}
    for chunk in _chunks(list(phones), 500):
        for phone in db.session.scalars(sa.select(User.phone).where(User.phone.in_(chunk))):
            if phone is None:  # IN never matches NULL; this tells the type checker
                continue
            errors.append(
                RowError(phones[phone], f"Số điện thoại {phone} đã có tài khoản trong hệ thống.")
            )
    names = {row.username.lower(): row.line for row in rows if row.username}
    for chunk in _chunks(list(names), 500):
        query = sa.select(User.username).where(sa.func.lower(User.username).in_(chunk))
        for name in db.session.scalars(query):
            if name is None:  # IN never matches NULL; this tells the type checker
                continue
            errors.append(RowError(names[name.lower()], f"Tên đăng nhập {name} đã được dùng."))
    return errors


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
