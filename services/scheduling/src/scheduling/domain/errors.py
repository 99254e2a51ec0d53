"""Scheduling's error codes (``extensions.code`` / payload ``errors[].code``)."""

from kabinet.errors import Conflict, InvalidInput, NotFound


class UnknownBranch(NotFound):
    code = "BRANCH_NOT_FOUND"
    message = "Branch not found (scheduling has not heard of it from identity yet)."


class UnknownStudent(NotFound):
    code = "STUDENT_NOT_FOUND"
    message = "Student not found."


class UnknownTeacher(NotFound):
    code = "TEACHER_NOT_FOUND"
    message = "Teacher not found."


class LessonNotFound(NotFound):
    code = "LESSON_NOT_FOUND"
    message = "Lesson not found."


class GroupNotFound(NotFound):
    code = "GROUP_NOT_FOUND"
    message = "Group not found."


class RoomNotFound(NotFound):
    code = "ROOM_NOT_FOUND"
    message = "Room not found."


class CourseNotFound(NotFound):
    code = "COURSE_NOT_FOUND"
    message = "Course not found."


class LessonTypeNotFound(NotFound):
    code = "LESSON_TYPE_NOT_FOUND"
    message = "Lesson type not found."


class MembershipNotFound(NotFound):
    code = "MEMBERSHIP_NOT_FOUND"
    message = "Membership not found."


class FeedNotFound(NotFound):
    code = "FEED_NOT_FOUND"
    message = "Calendar feed not found."


class SlotNotFound(NotFound):
    code = "SLOT_NOT_FOUND"
    message = "This time slot is not open."


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"
    message = "Booking not found."


class InvalidTimeRange(InvalidInput):
    code = "INVALID_TIME_RANGE"
    message = "The end must be after the start."


class InvalidRecurrence(InvalidInput):
    code = "INVALID_RECURRENCE"
    message = "The recurrence rule is not a valid iCalendar RRULE."


class InvalidTimeZone(InvalidInput):
    code = "INVALID_TIME_ZONE"
    message = "Unknown time zone."


class InvalidName(InvalidInput):
    code = "INVALID_NAME"
    message = "A name must not be empty."


class InvalidCapacity(InvalidInput):
    code = "INVALID_CAPACITY"
    message = "Capacity must be at least 1."


class InvalidPrice(InvalidInput):
    code = "INVALID_PRICE"
    message = "A price must not be negative."


class InvalidPeriod(InvalidInput):
    code = "INVALID_PERIOD"
    message = "A membership must end on or after the day it starts."


class InvalidMonth(InvalidInput):
    code = "INVALID_MONTH"
    message = "A month is written YYYY-MM."


class LessonTypeExists(Conflict):
    code = "LESSON_TYPE_EXISTS"
    message = "A lesson type with this code already exists."


class TeacherConflict(Conflict):
    code = "TEACHER_CONFLICT"
    message = "The teacher has another lesson at this time."


class RoomConflict(Conflict):
    code = "ROOM_CONFLICT"
    message = "The room is taken at this time."


class StudentConflict(Conflict):
    code = "STUDENT_CONFLICT"
    message = "The student has another lesson at this time."


class CapacityExceeded(Conflict):
    code = "CAPACITY_EXCEEDED"
    message = "No places are left in this lesson."


class AlreadyParticipant(Conflict):
    code = "ALREADY_PARTICIPANT"
    message = "The student is already in this lesson."


class NotAParticipant(Conflict):
    code = "NOT_A_PARTICIPANT"
    message = "The student is not in this lesson."


class AlreadyMember(Conflict):
    code = "ALREADY_MEMBER"
    message = "The student is already a member of this group in this period."


class TrialAlreadyUsed(Conflict):
    code = "TRIAL_ALREADY_USED"
    message = "This family has already had its free trial lesson."


class LessonCancelled(Conflict):
    code = "LESSON_CANCELLED"
    message = "This lesson is cancelled."


class LessonPublished(Conflict):
    code = "LESSON_PUBLISHED"
    message = "This lesson is published: billing charges its published price, which no longer changes here."


class LessonInPast(Conflict):
    code = "LESSON_IN_PAST"
    message = "This lesson has already started."


class NotBookable(Conflict):
    code = "NOT_BOOKABLE"
    message = "This lesson cannot be booked by families."


class SlotTaken(Conflict):
    code = "SLOT_TAKEN"
    message = "This time slot has just been booked by someone else."


class SlotConflict(Conflict):
    """An open slot holds the teacher's (or the room's) time: close it first (closeSlot)."""

    code = "SLOT_CONFLICT"
    message = "An open slot is offered at this time; close it first."


class SlotBooked(Conflict):
    code = "SLOT_BOOKED"
    message = "This slot is booked; cancel the booking first."


class LateCancellationRefused(Conflict):
    code = "LATE_CANCELLATION_REFUSED"
    message = "It is too late to cancel this booking; contact the branch."


class BookingAlreadyCancelled(Conflict):
    code = "BOOKING_ALREADY_CANCELLED"
    message = "This booking is already cancelled."


class WrongLessonType(InvalidInput):
    code = "WRONG_LESSON_TYPE"
    message = "This action is not possible for a lesson of this type."


class WrongBranch(InvalidInput):
    code = "WRONG_BRANCH"
    message = "These belong to different branches."
