"""Duplicate keys: the same email, phone or company+person however people typed them.

Mainland numbers are keyed without +86/0086, spaces, dashes, dots or brackets: ``+86 138-1762-3301``,
``(0086)13817623301`` and ``138 1762 3301`` are one number. Landlines keep their leading 0 and area code
(``0512-6688 1200`` → ``051266881200``); other countries keep ``+`` and their digits.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ltc.text import text_key

__all__ = ["clean_email", "clean_phone", "email_key", "phone_key", "text_key"]

_SEPARATORS = re.compile(r"[\s\-.()（）/]+")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MAINLAND_LANDLINE = re.compile(r"^0\d{9,11}$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{6,14}$")


def email_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def phone_key(value: str) -> str:
    """The canonical form of a phone number, or "" when it is empty. Does not judge validity."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        return ""
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    elif digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def clean_email(value: str) -> str:
    """The email as stored (lower case), or ValidationError with a message for people."""
    email = email_key(value)
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not an email address.") % {"value": value}, code="bad_email") from None
    return email


def clean_phone(value: str) -> str:
    """The phone's key when it is a plausible mainland mobile, landline or international number."""
    key = phone_key(value)
    if not key:
        return ""
    if _MAINLAND_MOBILE.match(key) or _MAINLAND_LANDLINE.match(key) or _INTERNATIONAL.match(key):
        return key
    raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value}, code="bad_phone")
