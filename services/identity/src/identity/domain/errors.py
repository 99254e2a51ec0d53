"""Identity's error codes (shown to clients in ``extensions.code`` / payload ``errors[].code``)."""

from kabinet.errors import InvalidInput, NotFound


class InvalidName(InvalidInput):
    code = "INVALID_NAME"
    message = "A name must not be empty."


class InvalidBirthDate(InvalidInput):
    code = "INVALID_BIRTH_DATE"
    message = "The birth date is not a real past date."


class FamilyNotFound(NotFound):
    code = "FAMILY_NOT_FOUND"
    message = "Family not found."
