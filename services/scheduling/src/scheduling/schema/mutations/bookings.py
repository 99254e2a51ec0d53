"""Mutations: slots and bookings (R-SCH-7)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.schema.inputs import OpenSlotInput
from scheduling.schema.mutations.common import run, str_or_none
from scheduling.schema.types import AvailabilitySlot, Booking, BookingPayload, SlotPayload
from scheduling.service import bookings


@strawberry.type
class BookingMutations:
    @strawberry.mutation(description="Open a slot in a teacher's week for families to book.")
    async def open_slot(self, info: Info[RequestContext, None], input: OpenSlotInput) -> SlotPayload:
        cmd = bookings.OpenSlot(str(input.branch_id), str(input.teacher_id), input.starts_at, input.ends_at,
                                input.lesson_type, input.price, str_or_none(input.room_id))
        s, errors = await run(info, bookings.open_slot, cmd)
        return SlotPayload(slot=AvailabilitySlot.from_model(s) if s else None, errors=errors)

    @strawberry.mutation(description="Close an open slot: families no longer see or book it (the branch's admins, "
                                      "the owner). Closing a closed slot answers it; a booked one is SLOT_BOOKED.")
    async def close_slot(self, info: Info[RequestContext, None], slot_id: strawberry.ID) -> SlotPayload:
        s, errors = await run(info, bookings.close_slot, bookings.CloseSlot(str(slot_id)))
        return SlotPayload(slot=AvailabilitySlot.from_model(s) if s else None, errors=errors)

    @strawberry.mutation(description="A guardian books an individual or trial lesson in an open slot for a child.")
    async def book_slot(self, info: Info[RequestContext, None], slot_id: strawberry.ID, student_id: strawberry.ID,
                        idempotency_key: str | None = None) -> BookingPayload:
        b, errors = await run(info, bookings.book_slot, bookings.BookSlot(
            str(slot_id), str(student_id), idempotency_key))
        return BookingPayload(booking=Booking.from_model(b) if b else None, errors=errors)

    @strawberry.mutation(description="A guardian books a place in a group's or trial lesson for a child.")
    async def book_place(self, info: Info[RequestContext, None], lesson_id: strawberry.ID, student_id: strawberry.ID,
                         idempotency_key: str | None = None) -> BookingPayload:
        b, errors = await run(info, bookings.book_place, bookings.BookPlace(
            str(lesson_id), str(student_id), idempotency_key))
        return BookingPayload(booking=Booking.from_model(b) if b else None, errors=errors)

    @strawberry.mutation(description="Cancel a booking (free before the branch's notice window).")
    async def cancel_booking(self, info: Info[RequestContext, None], booking_id: strawberry.ID) -> BookingPayload:
        b, errors = await run(info, bookings.cancel_booking, bookings.CancelBooking(str(booking_id)))
        return BookingPayload(booking=Booking.from_model(b) if b else None, errors=errors)
