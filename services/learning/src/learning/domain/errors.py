"""Learning's error codes (``extensions.code`` / payload ``errors[].code``)."""

from kabinet.errors import Conflict, InvalidInput, NotFound


class LessonNotFound(NotFound):
    code = "LESSON_NOT_FOUND"
    message = "Lesson not found."


class LessonCancelled(Conflict):
    code = "LESSON_CANCELLED"
    message = "The lesson was cancelled; its sheet cannot be filled."


class LessonNotStarted(Conflict):
    code = "LESSON_NOT_STARTED"
    message = "The lesson has not started yet."


class NotAParticipant(InvalidInput):
    code = "NOT_A_PARTICIPANT"
    message = "This student is not on the lesson."


class DuplicateStudent(InvalidInput):
    code = "DUPLICATE_STUDENT"
    message = "A student appears twice on the sheet."


class InvalidGrade(InvalidInput):
    code = "INVALID_GRADE"
    message = "The grade is not on the course's scale."


class TextTooLong(InvalidInput):
    code = "TEXT_TOO_LONG"
    message = "The text is too long."


class StaleRevision(Conflict):
    code = "STALE_REVISION"
    message = "The sheet was changed by someone else; reload it and save again."


class InvalidThreshold(InvalidInput):
    code = "INVALID_THRESHOLD"
    message = "A threshold must be between 0 and 100."


class InvalidPeriod(InvalidInput):
    code = "INVALID_PERIOD"
    message = "The period must end after it starts."
