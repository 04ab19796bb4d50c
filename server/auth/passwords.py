"""The password policy (pure): long enough, not a number, not one of the passwords every
attacker tries first, not the account's own phone number."""

from __future__ import annotations

MIN_LENGTH, MAX_LENGTH = 8, 128
# the most used passwords in Chinese and international leaks that pass the length rule
COMMON = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "11111111",
        "88888888",
        "66666666",
        "00000000",
        "12341234",
        "11223344",
        "password",
        "password1",
        "passw0rd",
        "qwertyui",
        "qwerty123",
        "1qaz2wsx",
        "abc12345",
        "a1234567",
        "a12345678",
        "aa123456",
        "abcd1234",
        "iloveyou",
        "woaini1314",
        "woaini520",
        "5201314520",
        "1314520520",
        "zxcvbnm1",
        "asdfghjk",
        "qwer1234",
        "1q2w3e4r",
        "admin123",
        "admin1234",
        "p@ssw0rd",
        "welcome1",
    }
)


def password_problem(password: str, *, phone: str = "") -> str | None:
    """Why a new password is refused (a reason code), or None."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return "length"
    lowered = password.lower()
    if lowered in COMMON:
        return "common"
    if password.isdigit():
        return "digits_only"
    if len(set(password)) < 4:
        return "too_few_characters"
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits and digits[-8:] in password:
        return "contains_phone"
    return None
