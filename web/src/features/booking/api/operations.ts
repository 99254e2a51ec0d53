import { graphql } from "../../../gql";

export const BookingOptions = graphql(`
  query BookingOptions($studentId: ID!, $branchId: ID!, $from: DateTime!, $to: DateTime!) {
    bookableLessons(branchId: $branchId, from: $from, to: $to) {
      id startsAt endsAt lessonType kind placesLeft price { amount currency } group { id name }
      participants { studentId }
    }
    openSlots(branchId: $branchId, from: $from, to: $to) {
      id startsAt endsAt lessonType booked teacherId price { amount currency }
    }
    student(id: $studentId) {
      id
      bookings { id lessonId status late createdAt lesson { id startsAt endsAt lessonType kind cancellableUntil } }
    }
  }
`);

export const BookPlace = graphql(`
  mutation BookPlace($lessonId: ID!, $studentId: ID!, $key: String) {
    bookPlace(lessonId: $lessonId, studentId: $studentId, idempotencyKey: $key) {
      booking { id status lessonId }
      errors { code message }
    }
  }
`);

export const BookSlot = graphql(`
  mutation BookSlot($slotId: ID!, $studentId: ID!, $key: String) {
    bookSlot(slotId: $slotId, studentId: $studentId, idempotencyKey: $key) {
      booking { id status lessonId }
      errors { code message }
    }
  }
`);

export const CancelBooking = graphql(`
  mutation CancelBooking($bookingId: ID!) {
    cancelBooking(bookingId: $bookingId) { booking { id status late } errors { code message } }
  }
`);
