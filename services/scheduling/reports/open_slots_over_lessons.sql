-- Open (unbooked, not closed) slots still to come that lie over an active lesson of their teacher, or of their
-- room: slots opened before openSlot refused them (and lessons made over a slot before createLesson refused
-- them). Families are offered them, but bookSlot refuses them (TEACHER_CONFLICT / ROOM_CONFLICT). Read-only: the
-- branch's admin closes each with closeSlot(slotId) (or moves the lesson); nothing here deletes or changes a slot.
--   psql "$SCHEDULING_DATABASE_URL" -f services/scheduling/reports/open_slots_over_lessons.sql
SELECT s.branch_id, s.id AS slot_id, s.teacher_id, s.room_id, s.starts_at AS slot_starts_at,
       s.ends_at AS slot_ends_at, l.id AS lesson_id, l.starts_at AS lesson_starts_at, l.ends_at AS lesson_ends_at,
       CASE WHEN l.teacher_id = s.teacher_id THEN 'teacher' ELSE 'room' END AS clash
FROM availability_slots AS s
JOIN lessons AS l
  ON l.status <> 'cancelled' AND l.starts_at < s.ends_at AND l.ends_at > s.starts_at
 AND (l.teacher_id = s.teacher_id OR (s.room_id IS NOT NULL AND l.room_id = s.room_id))
WHERE s.lesson_id IS NULL AND s.closed_at IS NULL AND s.ends_at > CURRENT_TIMESTAMP
ORDER BY s.branch_id, s.starts_at, s.id, l.starts_at;
