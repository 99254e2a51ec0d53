"""Demo data for ``make run``: three branches in different time zones, an owner, admins, teachers, and
families with one to three children. Everything goes through the same use cases as the API, so the
events flow to the other services. Calling it again finds the existing data instead of duplicating it.

Logins (development only):
- staff: the emails below with the password ``DEMO_STAFF_PASSWORD``;
- guardians: the phones below; with the development SMS mailbox every code is ``DEMO_CODE``
  (``dev_fixed_code``), and each sent message is also on ``/services/identity/dev/messages``;
- a student with an own login (R-FAM-1): ``DEMO_STUDENT_LOGIN`` with ``DEMO_STAFF_PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from identity.domain.leads import LeadSource, LeadStage
from identity.domain.model import Family, StaffRole
from identity.domain.questions import DEFAULT_TOPICS
from identity.service import accounts, leads, org, questions, registration
from identity.service import family as family_cases
from kabinet.auth.principal import Principal, Role

if TYPE_CHECKING:
    from identity.bootstrap import IdentityRuntime

DEMO_STAFF_PASSWORD = "kabinet-demo-2025"
DEMO_CODE = "111111"
OWNER_EMAIL = "owner@kabinet.demo"
DEMO_STUDENT_LOGIN = "masha.petrova"

BRANCHES = (
    ("msk", "Kabinet Moscow Center", "Moscow", "Europe/Moscow", "Tverskaya 7"),
    ("ekb", "Kabinet Yekaterinburg", "Yekaterinburg", "Asia/Yekaterinburg", "Lenina 24"),
    ("kgd", "Kabinet Kaliningrad", "Kaliningrad", "Europe/Kaliningrad", "Mira 3"),
)
TEACHERS = {
    "msk": (("Olga", "Smirnova"), ("Ivan", "Kuznetsov")),
    "ekb": (("Elena", "Popova"), ("Sergey", "Volkov")),
    "kgd": (("Natalia", "Sokolova"), ("Dmitry", "Lebedev")),
}
# phone, guardian, branch, children (first name, birth date); all share the guardian's surname.
FAMILIES = (
    ("+79000000001", ("Anna", "Petrova"), "msk", (("Masha", "2014-05-12"), ("Petya", "2016-09-03"),
                                                  ("Dasha", "2019-01-20"))),
    ("+79000000002", ("Igor", "Ivanov"), "msk", (("Sasha", "2013-11-30"), ("Misha", "2017-04-08"))),
    ("+79000000003", ("Maria", "Orlova"), "ekb", (("Katya", "2015-07-15"),)),
    ("+79000000004", ("Pavel", "Fedorov"), "ekb", (("Lena", "2012-02-29"), ("Tolya", "2018-06-01"))),
    ("+79000000005", ("Svetlana", "Morozova"), "kgd", (("Vanya", "2016-12-24"), ("Alisa", "2014-03-09"))),
)
# Leads (R-CRM-1): branch, contact, phone, child, age, what they want, source, how far it got (a lost one says why).
LEADS = (
    ("msk", "Olga", "+79000000101", "Timur", 9, "English for kids, weekday evenings", LeadSource.SITE,
     LeadStage.NEW, None),
    ("msk", "Roman", "+79000000102", "Vika", 12, "Maths, exam preparation", LeadSource.CALL,
     LeadStage.CONTACTED, None),
    ("msk", "Yulia", "+79000000103", "Gleb", 7, "Chess, Saturday group", LeadSource.REFERRAL,
     LeadStage.TRIAL_BOOKED, None),
    ("msk", "Denis", "+79000000104", "Nika", 10, "English, B1", LeadSource.SOCIAL, LeadStage.LOST,
     "The schedule does not fit"),
    ("ekb", "Alla", "+79000000105", "Stas", 8, "Robotics", LeadSource.WALK_IN, LeadStage.TRIAL_ATTENDED, None),
)
# The one family that owes the school on purpose (packages sold on credit, unpaid): the debtors list has someone.
DEBTOR_PHONE = "+79000000004"


def children(n: int) -> str:
    return f"{n} child" if n == 1 else f"{n} children"


@dataclass
class DemoIdentity:
    owner_email: str
    staff_password: str
    guardian_code: str | None
    branch_ids: dict[str, str] = field(default_factory=dict)  # key (msk, ekb, kgd) -> id
    admin_emails: dict[str, str] = field(default_factory=dict)
    teacher_emails: dict[str, list[str]] = field(default_factory=dict)
    staff_ids: dict[str, str] = field(default_factory=dict)  # email -> staff id
    family_ids: dict[str, str] = field(default_factory=dict)  # guardian phone -> family id
    student_ids: dict[str, list[str]] = field(default_factory=dict)  # guardian phone -> student ids
    student_login: str | None = None

    @property
    def debtor_family_id(self) -> str | None:
        return self.family_ids.get(DEBTOR_PHONE)

    def logins(self) -> list[str]:
        """The lines of the `make run` banner."""
        pw = self.staff_password
        lines = [f"owner:         {self.owner_email} / {pw}"]
        lines += [f"branch admin:  {e} / {pw}  ({b})" for b, e in self.admin_emails.items()]
        lines += [f"teacher:       {e} / {pw}  ({b})" for b, es in self.teacher_emails.items() for e in es]
        lines += [f"guardian:      {p}, sign-in code {self.guardian_code}  "
                  f"({children(len(self.student_ids.get(p, [])))}"
                  f"{'; the demo debtor: packages sold on credit, unpaid' if p == DEBTOR_PHONE else ''})"
                  for p in self.family_ids]
        if self.student_login:
            lines.append(f"student:       {self.student_login} / {pw}  (a child's own login)")
        return lines


SEEDER = Principal(user_id="demo-seeder", role=Role.OWNER)


async def seed(runtime: IdentityRuntime) -> DemoIdentity:
    ports = runtime.ports
    if ports.sms_is_dev_mailbox and ports.settings.dev_fixed_code is None:
        ports.settings.dev_fixed_code = DEMO_CODE  # the fixed code works only with the development mailbox
    demo = DemoIdentity(OWNER_EMAIL, DEMO_STAFF_PASSWORD, ports.fixed_code())
    async with runtime.unit_of_work() as uow:
        existing = await uow.staff.by_email(OWNER_EMAIL)
    if existing is not None:
        return await _load(runtime, demo)

    async with runtime.unit_of_work() as uow:
        owner = await org.create_staff(org.CreateStaff(
            StaffRole.OWNER, OWNER_EMAIL, "Vera", "Owner", (), DEMO_STAFF_PASSWORD), uow, SEEDER)
    demo.staff_ids[OWNER_EMAIL] = owner.id
    owner_p = Principal(user_id=owner.id, role=Role.OWNER, staff_id=owner.id)
    for key, name, city, tz, address in BRANCHES:
        async with runtime.unit_of_work() as uow:
            branch = await org.create_branch(org.CreateBranch(name, city, tz, address), uow, owner_p)
        demo.branch_ids[key] = branch.id
        admin_email = f"admin.{key}@kabinet.demo"
        async with runtime.unit_of_work() as uow:
            admin = await org.create_staff(org.CreateStaff(
                StaffRole.BRANCH_ADMIN, admin_email, "Admin", city, (branch.id,), DEMO_STAFF_PASSWORD), uow, owner_p)
        demo.admin_emails[key] = admin_email
        demo.staff_ids[admin_email] = admin.id
        demo.teacher_emails[key] = []
        for first, last in TEACHERS[key]:
            email = f"{first.lower()}.{last.lower()}@kabinet.demo"
            async with runtime.unit_of_work() as uow:
                teacher = await org.create_staff(org.CreateStaff(
                    StaffRole.TEACHER, email, first, last, (branch.id,), DEMO_STAFF_PASSWORD), uow, owner_p)
            demo.teacher_emails[key].append(email)
            demo.staff_ids[email] = teacher.id
    for topic in DEFAULT_TOPICS:
        async with runtime.unit_of_work() as uow:
            await questions.set_topic(questions.SetTopic(topic.code, topic.title, topic.response_hours,
                                                               topic.response_working_days, topic.branch_id),
                                      uow, owner_p)
    for phone, (first, last), key, kids in FAMILIES:
        branch_id = demo.branch_ids[key]
        admin_p = Principal(user_id=demo.staff_ids[demo.admin_emails[key]], role=Role.BRANCH_ADMIN,
                            branch_ids=frozenset({branch_id}), staff_id=demo.staff_ids[demo.admin_emails[key]])
        async with runtime.unit_of_work() as uow:
            fam = await registration.register_client(registration.RegisterClient(
                phone, first, last, branch_id, True, f"{first.lower()}.{last.lower()}@mail.demo",
                tuple(registration.NewStudent(kid, last, born) for kid, born in kids)), uow, admin_p)
            assert isinstance(fam, Family)  # demo phones are new: nothing waits for a confirmation
        async with runtime.unit_of_work() as uow:
            # The demo families are clients already: their cabinets are open (normally a sold subscription does it).
            await family_cases.open_access(uow, fam.id, "demo")
            await uow.commit()
        demo.family_ids[phone] = fam.id
    await _seed_leads(runtime, demo)
    first_child = (await _children(runtime, demo.family_ids[FAMILIES[0][0]]))[0]
    async with runtime.unit_of_work() as uow:
        await accounts.set_student_login(accounts.SetStudentLogin(
            first_child, DEMO_STUDENT_LOGIN, DEMO_STAFF_PASSWORD), uow, owner_p)
    return await _load(runtime, demo)


async def _seed_leads(runtime: IdentityRuntime, demo: DemoIdentity) -> None:
    """A few leads at each stage, recorded and moved by the branch's admin (the same use cases as the API)."""
    for key, contact, phone, child, age, interest, source, stage, reason in LEADS:
        admin_id = demo.staff_ids[demo.admin_emails[key]]
        admin_p = Principal(user_id=admin_id, role=Role.BRANCH_ADMIN, branch_ids=frozenset({demo.branch_ids[key]}),
                            staff_id=admin_id)
        async with runtime.unit_of_work() as uow:
            lead = await leads.create_lead(leads.CreateLead(demo.branch_ids[key], leads.LeadFields(
                contact_first_name=contact, phone=phone, child_first_name=child, source=source, child_age=age,
                interest=interest)), uow, admin_p)
        if stage is not LeadStage.NEW:
            async with runtime.unit_of_work() as uow:
                await leads.move_lead(leads.MoveLead(lead.id, stage, lead.revision, reason), uow, admin_p)


async def _children(runtime: IdentityRuntime, family_id: str) -> list[str]:
    async with runtime.unit_of_work() as uow:
        return [k.id for k in (await uow.students.of_families([family_id]))[family_id]]


async def _load(runtime: IdentityRuntime, demo: DemoIdentity) -> DemoIdentity:
    async with runtime.unit_of_work() as uow:
        by_city = {b.city: b for b in await uow.branches.all()}
        for key, _name, city, _tz, _addr in BRANCHES:
            if city in by_city:
                demo.branch_ids[key] = by_city[city].id
                demo.admin_emails[key] = f"admin.{key}@kabinet.demo"
                demo.teacher_emails[key] = [f"{f.lower()}.{la.lower()}@kabinet.demo" for f, la in TEACHERS[key]]
        for s in await uow.staff.all():
            demo.staff_ids[s.email] = s.id
        for phone, *_ in FAMILIES:
            found = await uow.families.by_phone(phone)
            if found is not None:
                demo.family_ids[phone] = found.id
                kids = (await uow.students.of_families([found.id]))[found.id]
                demo.student_ids[phone] = [k.id for k in kids]
        assert await uow.questions.topics(None)
        if await uow.student_logins.by_login(DEMO_STUDENT_LOGIN) is not None:
            demo.student_login = DEMO_STUDENT_LOGIN
    return demo
