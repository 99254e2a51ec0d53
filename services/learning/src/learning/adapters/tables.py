"""Learning's tables (SQLAlchemy Core; the domain model knows nothing of them)."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from kabinet.db import add_dead_letter_table, add_messaging_tables, idempotency_table
from kabinet.db.types import UtcDateTime

metadata = MetaData()

# The projection of scheduling's lesson events: learning never asks scheduling at request time.
lessons = Table(
    "lessons",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("branch_id", String(36), nullable=False),
    Column("group_id", String(36), nullable=True),
    Column("course_id", String(36), nullable=True),
    Column("teacher_id", String(36), nullable=False),
    Column("original_teacher_id", String(36), nullable=True),
    Column("lesson_type", String(40), nullable=False),
    Column("charged_by_default", Boolean, nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("cancelled", Boolean, nullable=False, default=False),
    # occurred_at of the last scheduling event applied: an older, redelivered event never undoes a newer one.
    Column("event_at", UtcDateTime(), nullable=False),
    Index("ix_lessons_group_start", "group_id", "starts_at"),
    Index("ix_lessons_teacher_start", "teacher_id", "starts_at"),
    Index("ix_lessons_branch_start", "branch_id", "starts_at"),
)

lesson_participants = Table(
    "lesson_participants",
    metadata,
    Column("lesson_id", String(36), ForeignKey("lessons.id"), nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("family_id", String(36), nullable=True),
    Column("reason", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("event_at", UtcDateTime(), nullable=False),
    # The lesson's start, kept equal to lessons.starts_at: a student's lessons in a window (the family
    # cabinet's past lessons, homework and progress) are read by (student_id, starts_at), whatever the history.
    Column("starts_at", UtcDateTime(), nullable=True),
    PrimaryKeyConstraint("lesson_id", "student_id", name="pk_lesson_participants"),
    Index("ix_lesson_participants_student_start", "student_id", "starts_at"),
)

# Student -> family, from identity's student events (participants carry it too; this covers the rest).
students = Table(
    "students",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=True, index=True),
    Column("branch_id", String(36), nullable=True),
    Column("erased", Boolean, nullable=False, default=False),
)

sheets = Table(
    "sheets",
    metadata,
    Column("lesson_id", String(36), ForeignKey("lessons.id"), primary_key=True),
    Column("summary", Text, nullable=False),
    Column("homework", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("conducted", Boolean, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(64), nullable=True),
)

sheet_marks = Table(
    "sheet_marks",
    metadata,
    Column("lesson_id", String(36), ForeignKey("lessons.id"), nullable=False),
    Column("student_id", String(36), nullable=False, index=True),
    Column("attendance", String(10), nullable=False),
    Column("homework_done", String(10), nullable=True),
    Column("grade", Integer, nullable=True),
    Column("grade_scale", String(20), nullable=True),
    Column("comment", Text, nullable=True),
    PrimaryKeyConstraint("lesson_id", "student_id", name="pk_sheet_marks"),
)

# Every saved revision of a sheet, as a JSON snapshot (the history teachers and admins can read).
sheet_revisions = Table(
    "sheet_revisions",
    metadata,
    Column("lesson_id", String(36), ForeignKey("lessons.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("saved_at", UtcDateTime(), nullable=False),
    Column("saved_by", String(64), nullable=True),
    Column("snapshot", JSON, nullable=False),
    PrimaryKeyConstraint("lesson_id", "revision", name="pk_sheet_revisions"),
)

# Idempotency keys of sheet saves (the kit's table): scope "lesson:<id>", the key, the request's hash and the
# revision the first save made (a retry returns the sheet as it is now, as before).
idempotency_keys = idempotency_table(metadata)

course_settings = Table(
    "course_settings",
    metadata,
    Column("course_id", String(36), primary_key=True),
    Column("grade_scale", String(20), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

risk_thresholds = Table(
    "risk_thresholds",
    metadata,
    Column("branch_id", String(36), primary_key=True),
    Column("min_attendance_percent", Float, nullable=False),
    Column("min_grade_percent", Float, nullable=False),
    Column("window_days", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

outbox, inbox = add_messaging_tables(metadata)
dead_letters = add_dead_letter_table(metadata)
