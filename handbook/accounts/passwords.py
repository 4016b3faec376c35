"""Password hashing (argon2), the password rules, and one-time passwords for new accounts."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from handbook.core import offload

#: OWASP's argon2id profile (19 MiB, 2 passes): about 40 ms here, where the library default
#: (64 MiB, 3 passes) took 175 ms and capped a 2-core server at about 11 sign-ins a second.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: One-time passwords are random (12 of 31 symbols, about 59 bits), so a light profile is still
#: far beyond brute force, and importing 10,000 members takes minutes, not half an hour.
#: Verified like any argon2 hash, and rehashed with the full profile at first sign-in.
_one_time_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
#: Verified against when the account does not exist, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 8
_COMMON = {
    "12345678",
    "123456789",
    "1234567890",
    "87654321",
    "password",
    "matkhau",
    "matkhau123",
    "abc12345",
    "abcd1234",
    "qwerty123",
    "11111111",
    "00000000",
    "88888888",
    "66666666",
}
#: No 0/O, 1/l/I: one-time passwords are read off paper and typed on small keyboards.
_OTP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def hash_password(password: str) -> str:
    return offload.call(_hasher.hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, burn the same time and say no."""
    try:
        matched = offload.call(_hasher.verify, password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(matched) and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, login_names: tuple[str | None, ...] = ()) -> str | None:
    """Why a new password is not acceptable, in Vietnamese, or ``None`` when it is."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if len(password) > 128:
        return "Mật khẩu quá dài (tối đa 128 ký tự)."
    if password.lower() in _COMMON or len(set(password)) <= 2:
        return "Mật khẩu quá dễ đoán. Hãy chọn mật khẩu khác."
    if any(name and password.lower() == name.lower() for name in login_names):
        return "Mật khẩu không được trùng với số điện thoại hoặc tên đăng nhập."
    return None


def one_time_password(length: int = 12) -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))


def hash_one_time_password(password: str) -> str:
    return offload.call(_one_time_hasher.hash, password)


def hash_one_time_passwords(passwords: list[str]) -> list[str]:
    """Hash many at once (a member import), spread over the cores."""
    return offload.map_native(_one_time_hasher.hash, passwords)
