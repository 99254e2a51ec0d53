"""Learning through the gateway of the whole stack (real PostgreSQL + RabbitMQ): a teacher saves the sheet on the
phone, the family sees each child's results in the cabinet, and never a classmate's comment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from kabinet.testing.stack import eventually
from kabinet_stack.testing import StackHandle

B1 = "00000000-0000-4000-8000-0000000000b1"
C1 = "00000000-0000-4000-8000-0000000000c1"
G1 = "00000000-0000-4000-8000-0000000000a1"
T1_ID = "00000000-0000-4000-8000-0000000000d1"

REGISTER = """mutation($i: RegisterStudentInput!) {
  registerStudent(input: $i) { student { id familyId } errors { code } } }"""
SAVE = """mutation($i: SaveLessonSheetInput!) { saveLessonSheet(input: $i) {
  sheet { revision students { studentId comment } } errors { code } } }"""
CABINET = """{ myFamily { students { id firstName
  pastLessons { edges { node { lessonId summary homework attendance grade comment } } }
  homework { text status }
  progress { current { attendanceRate averageGrade } } } } }"""


async def test_sheet_and_cabinet_through_the_gateway(real_stack: StackHandle) -> None:
    admin = Principal(user_id="a", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))
    kids = []
    for phone, name in (("+79120000011", "Anna"), ("+79120000011", "Boris"), ("+79120000022", "Other")):
        res = await real_stack.client(admin).execute(REGISTER, {"i": {
            "guardianPhone": phone, "firstName": name, "lastName": "Test", "birthDate": "2015-01-01",
            "branchId": B1}})
        assert res["data"]["registerStudent"]["errors"] == [], res
        kids.append(res["data"]["registerStudent"]["student"])
    (anna, boris, other) = kids
    lesson = "11111111-2222-3333-4444-555555555555"
    start = datetime.now(UTC) - timedelta(hours=2)
    money = {"amount": "0.00", "currency": "RUB"}
    learning = real_stack.runtime("learning")
    # scheduling's event (as scheduling publishes it per docs/contracts-plan.md)
    await learning.transport.publish(Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling",
                                              payload={
        "lesson_id": lesson, "branch_id": B1, "group_id": G1, "course_id": C1, "teacher_id": T1_ID,
        "room_id": None, "lesson_type": "group", "charged_by_default": False, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "price": money,
        "participants": [{"student_id": k["id"], "family_id": k["familyId"], "reason": "member", "price": money}
                         for k in kids]}))
    teacher = Principal(user_id="t", role=Role.TEACHER, staff_id=T1_ID, branch_ids=frozenset({B1}))
    rows = [{"studentId": anna["id"], "attendance": "PRESENT", "grade": "5", "comment": "anna-note"},
            {"studentId": boris["id"], "attendance": "LATE", "grade": "4", "comment": "boris-note"},
            {"studentId": other["id"], "attendance": "PRESENT", "grade": "3", "comment": "SECRET-OTHER"}]
    saved: dict = {}

    async def saved_ok() -> bool:
        nonlocal saved
        saved = await real_stack.client(teacher).execute(SAVE, {"i": {
            "lessonId": lesson, "summary": "Colours", "homework": "Draw a rainbow", "students": rows,
            "idempotencyKey": "phone-1"}})
        # Until learning has the lesson it answers FORBIDDEN, as for a lesson that is not the teacher's.
        return ((saved.get("data") or {}).get("saveLessonSheet") or {}).get("errors") == []

    await eventually(saved_ok)  # once learning has the lesson
    assert saved["data"]["saveLessonSheet"]["sheet"]["revision"] == 1
    again = await real_stack.client(teacher).execute(SAVE, {"i": {
        "lessonId": lesson, "summary": "Colours", "homework": "Draw a rainbow", "students": rows,
        "idempotencyKey": "phone-1"}})
    assert again["data"]["saveLessonSheet"]["sheet"]["revision"] == 1

    guardian = Principal(user_id="g", role=Role.GUARDIAN, family_id=anna["familyId"])
    cab = await real_stack.client(guardian).execute(CABINET)
    assert "errors" not in cab, cab
    text = json.dumps(cab)
    assert "SECRET-OTHER" not in text
    by_name = {s["firstName"]: s for s in cab["data"]["myFamily"]["students"]}
    [anna_lesson] = [e["node"] for e in by_name["Anna"]["pastLessons"]["edges"]]
    assert anna_lesson == {"lessonId": lesson, "summary": "Colours", "homework": "Draw a rainbow",
                           "attendance": "PRESENT", "grade": "5", "comment": "anna-note"}
    assert by_name["Boris"]["pastLessons"]["edges"][0]["node"]["comment"] == "boris-note"
    assert by_name["Anna"]["homework"] == [{"text": "Draw a rainbow", "status": "OPEN"}]
    assert by_name["Boris"]["progress"][0]["current"] == {"attendanceRate": 1.0, "averageGrade": 4.0}
