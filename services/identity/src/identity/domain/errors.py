"""Identity's error codes (shown to clients in ``extensions.code`` / payload ``errors[].code``)."""

from kabinet.errors import Conflict, InvalidInput, KabinetError, NotFound


class InvalidName(InvalidInput):
    code = "INVALID_NAME"
    message = "A name must not be empty."


class InvalidBirthDate(InvalidInput):
    code = "INVALID_BIRTH_DATE"
    message = "The birth date is not a real past date; give it whole as YYYY-MM-DD."


class InvalidEmail(InvalidInput):
    code = "INVALID_EMAIL"
    message = "This is not a valid email address."


class InvalidTimeZone(InvalidInput):
    code = "INVALID_TIME_ZONE"
    message = "This is not a known IANA time zone."


class WeakPassword(InvalidInput):
    code = "WEAK_PASSWORD"
    message = "The password must be at least 10 characters long."


class InvalidLogin(InvalidInput):
    code = "INVALID_LOGIN"
    message = "A login is 3-64 letters, digits, dots, dashes or underscores, starting with a letter."


class ConsentRequired(InvalidInput):
    code = "CONSENT_REQUIRED"
    message = "A guardian's consent to process the child's personal data is needed first."


class FamilyNotFound(NotFound):
    code = "FAMILY_NOT_FOUND"
    message = "Family not found."


class BranchNotFound(NotFound):
    code = "BRANCH_NOT_FOUND"
    message = "Branch not found."


class StudentNotFound(NotFound):
    code = "STUDENT_NOT_FOUND"
    message = "Student not found."


class QuestionNotFound(NotFound):
    code = "QUESTION_NOT_FOUND"
    message = "Question not found."


class UnknownTopic(InvalidInput):
    code = "UNKNOWN_TOPIC"
    message = "This question topic is not known to the branch."


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"
    message = "This email is already used by another account."


class LoginTaken(Conflict):
    code = "LOGIN_TAKEN"
    message = "This login is taken: choose another one."


class PhoneTaken(Conflict):
    code = "PHONE_TAKEN"
    message = "This phone cannot be added to the family; please contact your branch."


class AlreadyRegistered(Conflict):
    code = "ALREADY_REGISTERED"
    message = "This phone already has a cabinet: sign in with a code instead."


class QuestionClosed(Conflict):
    code = "QUESTION_CLOSED"
    message = "This question is already closed."


class DuplicateChild(Conflict):
    code = "DUPLICATE_CHILD"
    message = ("A child with this name and birth date is already in the family. If this is another child, "
               "add it again with confirmDuplicate: true.")


class FamilyHasStudents(Conflict):
    # Merging two families moves balances and contracts: the branch does that by hand.
    code = "FAMILY_HAS_STUDENTS"
    message = "Your cabinet already has children; ask your branch to merge the records."


class StudentErased(Conflict):
    code = "STUDENT_ERASED"
    message = "This student's data was erased."


# -- sign-in and codes: the messages never tell whether an account exists -----------------------------
class InvalidCode(KabinetError):
    code = "INVALID_CODE"
    message = "The code is wrong or expired. Request a new one."

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 tries_left: int | None = None) -> None:
        # A wrong try at a live code says how many tries the code has left (the same for every phone).
        if tries_left is not None and message is None:
            message = f"The code is wrong: {tries_left} {'try' if tries_left == 1 else 'tries'} left."
        super().__init__(message, field=field)
        self.tries_left = tries_left


class CodeLocked(KabinetError):
    code = "CODE_LOCKED"
    message = "This code can no longer be used (too many wrong tries, used or expired). Request a new one."


class InvalidCredentials(KabinetError):
    code = "INVALID_CREDENTIALS"
    message = "The login or password is wrong."


class InvalidRefreshToken(KabinetError):
    code = "INVALID_REFRESH_TOKEN"
    message = "The session has ended. Sign in again."


class InvalidLink(KabinetError):
    code = "INVALID_LINK"
    message = "The link is wrong or expired. Request a new one."


class CabinetNotOpen(KabinetError):
    # Not a Forbidden: a sign-in answers it as the payload's typed error (the kit's attempt re-raises Forbidden).
    code = "CABINET_NOT_OPEN"
    message = "Your cabinet opens when your first subscription is sold. Please contact your branch."


class RecordNotMatched(KabinetError):
    code = "RECORD_NOT_MATCHED"
    message = ("We could not link a record with these details. Check them, or contact your branch "
               "so the administrator can link it for you.")


class TooManyRequests(KabinetError):
    code = "TOO_MANY_REQUESTS"
    message = "Too many attempts. Please wait and try again later."


class SmsNotAvailable(KabinetError):
    code = "SMS_NOT_AVAILABLE"
    message = "SMS cannot be sent to this number now. Use email, or contact your branch."


class DeliveryUnavailable(KabinetError):
    code = "DELIVERY_UNAVAILABLE"
    message = "Kabinet cannot send messages right now. Please contact your branch."


class MessengerNotConfigured(KabinetError):
    code = "MESSENGER_NOT_CONFIGURED"
    message = "Telegram is not set up for this school."


class WebPushNotConfigured(KabinetError):
    code = "WEB_PUSH_NOT_CONFIGURED"
    message = "Browser notifications are not set up for this school."


class InvalidPushSubscription(InvalidInput):
    code = "INVALID_PUSH_SUBSCRIPTION"
    message = "This is not a valid browser push subscription."


class TooManyPushSubscriptions(Conflict):
    code = "TOO_MANY_PUSH_SUBSCRIPTIONS"
    message = "Browser notifications are on in too many browsers: turn them off in one first."


# -- leads (R-CRM-1, R-CRM-2) -------------------------------------------------------------------------
class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    message = "Lead not found."


class InvalidLeadTransition(Conflict):
    code = "INVALID_LEAD_TRANSITION"
    message = ("A lead moves forward along the pipeline (new, contacted, trial booked, trial attended), is won "
               "with winLead, or is lost from any open stage; a won or lost lead does not move.")


class StaleLeadRevision(Conflict):
    code = "STALE_LEAD_REVISION"
    message = "The lead was changed by someone else; reload it and try again."


class LostReasonRequired(InvalidInput):
    code = "LOST_REASON_REQUIRED"
    message = "Say why the lead was lost."


class InvalidChildAge(InvalidInput):
    code = "INVALID_CHILD_AGE"
    message = "Give the child's age (1-25) or birth date."


class StaffNotInBranch(InvalidInput):
    code = "STAFF_NOT_IN_BRANCH"
    message = "The assigned staff member does not work in the lead's branch."
