"""The texts of notifications, in Russian and English: one subject and one body per kind (placeholders are
``str.format`` fields the handlers fill). Rendered when the notification is recorded, in the guardian's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from identity.domain.notifications import Kind

TEMPLATES: dict[Kind, dict[str, tuple[str, str]]] = {
    # Staff's (identity.service.notify_staff): no contact details or question text - those stay in the cabinet.
    Kind.LEAD_CREATED: {
        "ru": ("Новый лид", "Новый лид: {child}, интерес: {interest} (источник: {source})."),
        "en": ("New lead", "New lead: {child}, interested in {interest} (source: {source})."),
    },
    Kind.QUESTION_ASKED: {
        "ru": ("Вопрос семьи", "Семья задала вопрос (тема: {topic}). Ответить до {due}."),
        "en": ("A family's question", "A family asked a question (topic: {topic}). Answer by {due}."),
    },
    Kind.LESSON_SCHEDULED: {
        "ru": ("Новое занятие", "{student}: занятие {when}."),
        "en": ("New lesson", "{student}: a lesson on {when}."),
    },
    Kind.LESSON_MOVED: {
        "ru": ("Занятие перенесено", "{student}: занятие перенесено на {when}."),
        "en": ("Lesson moved", "{student}: the lesson moved to {when}."),
    },
    Kind.LESSON_CANCELLED: {
        "ru": ("Занятие отменено", "{student}: занятие {when} отменено."),
        "en": ("Lesson cancelled", "{student}: the lesson on {when} is cancelled."),
    },
    Kind.LESSON_CHARGED: {
        "ru": ("Списание за занятие", "{student}: списано {amount}. Баланс: {balance}."),
        "en": ("Lesson charged", "{student}: {amount} charged. Balance: {balance}."),
    },
    Kind.PAYMENT_RECEIVED: {
        "ru": ("Оплата получена", "Получена оплата {amount}. Спасибо!"),
        "en": ("Payment received", "We received your payment of {amount}. Thank you!"),
    },
    Kind.LOW_BALANCE: {
        "ru": ("Низкий баланс", "Баланс семьи: {balance}. Пополните его, чтобы занятия не прерывались."),
        "en": ("Low balance", "Your family's balance is {balance}. Top it up to keep the lessons going."),
    },
    Kind.SUBSCRIPTION_ENDING: {
        "ru": ("Абонемент заканчивается",
               "{student}: в абонементе «{name}» осталось занятий: {left}. Продлите его, чтобы занятия не "
               "прерывались."),
        "en": ("Subscription ending soon",
               "{student}: {left} lesson(s) left on «{name}». Renew it to keep the lessons going."),
    },
    Kind.SUBSCRIPTION_ENDED: {
        "ru": ("Абонемент закончился", "{student}: абонемент закончился."),
        "en": ("Subscription ended", "{student}: the subscription has ended."),
    },
    Kind.GRADE_POSTED: {
        "ru": ("Новая оценка", "{student}: оценка {grade}."),
        "en": ("New grade", "{student}: grade {grade}."),
    },
    Kind.HOMEWORK_ASSIGNED: {
        "ru": ("Домашнее задание", "{student}: {text}"),
        "en": ("Homework", "{student}: {text}"),
    },
    Kind.QUESTION_ANSWERED: {
        "ru": ("Ответ на ваш вопрос", "Вы спросили: «{question}»\nОтвет: {answer}"),
        "en": ("Your question is answered", "You asked: «{question}»\nAnswer: {answer}"),
    },
}


def render(kind: Kind, language: str, params: dict[str, str]) -> tuple[str, str]:
    """Subject and text of ``kind`` in ``language`` (Russian for a language without texts)."""
    subject, text = TEMPLATES[kind].get(language) or TEMPLATES[kind]["ru"]
    return subject, text.format(**params)


def local_time(at: datetime | str | None, time_zone: str | None) -> str:
    """A moment as the family reads it: the branch's local date and time (UTC without a branch)."""
    if at is None:
        return "—"
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(ZoneInfo(time_zone or "UTC")).strftime("%d.%m.%Y %H:%M")


def money(amount: str, currency: str) -> str:
    return f"{amount} {currency}"
