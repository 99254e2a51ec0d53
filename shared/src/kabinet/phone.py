"""Phone numbers normalised to E.164 (R-FAM-9)."""

from __future__ import annotations

import phonenumbers

from kabinet.errors import InvalidInput


class InvalidPhone(InvalidInput):
    code = "INVALID_PHONE"
    message = "This is not a valid phone number."


def normalise_phone(raw: str, default_region: str = "RU") -> str:
    """'8 (912) 345-67-89' -> '+79123456789'; raises InvalidPhone for anything that is not a real number."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(field="phone") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(field="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_region(e164: str) -> str | None:
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
