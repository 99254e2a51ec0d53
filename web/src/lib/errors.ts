import type { CombinedError } from "urql";
import type { ErrorCode } from "../gql/graphql";
import type { MessageKey, Translate } from "./i18n";

/** Every code a mutation payload can carry (UserError.code: the gateway's ErrorCode, the union of the services'
 * enums) -> the catalogue's words. Typed by the generated union: a new code without words does not compile, and
 * MessageKey is a key of both catalogues (en.ts is typed to have every Russian key). */
const PAYLOAD_CODES: Record<ErrorCode, MessageKey> = {
  ACCOUNT_NOT_FOUND: "error.ACCOUNT_NOT_FOUND",
  ALREADY_MEMBER: "error.ALREADY_MEMBER",
  ALREADY_PARTICIPANT: "error.ALREADY_BOOKED",
  ALREADY_REGISTERED: "error.ALREADY_REGISTERED",
  BAD_REQUEST: "error.generic",
  BAD_USER_INPUT: "error.INVALID_INPUT",
  BALANCE_LIMIT_EXCEEDED: "error.BALANCE_LIMIT_EXCEEDED",
  BOOKING_ALREADY_CANCELLED: "error.BOOKING_ALREADY_CANCELLED",
  BOOKING_NOT_FOUND: "error.BOOKING_NOT_FOUND",
  BRANCH_NOT_FOUND: "error.BRANCH_NOT_FOUND",
  CABINET_NOT_OPEN: "error.CABINET_NOT_OPEN",
  CAPACITY_EXCEEDED: "error.LESSON_FULL",
  CHECKOUT_UNKNOWN: "error.CHECKOUT_UNKNOWN",
  CODE_LOCKED: "error.CODE_LOCKED",
  CONFLICT: "error.CONFLICT",
  CONSENT_REQUIRED: "error.CONSENT_REQUIRED",
  COURSE_NOT_FOUND: "error.COURSE_NOT_FOUND",
  CURRENCY_MISMATCH: "error.CURRENCY_MISMATCH",
  DELIVERY_UNAVAILABLE: "error.SMS_NOT_AVAILABLE",
  DUPLICATE_CHILD: "error.DUPLICATE_CHILD",
  DUPLICATE_STUDENT: "error.DUPLICATE_STUDENT",
  EMAIL_TAKEN: "error.EMAIL_TAKEN",
  FAMILY_HAS_STUDENTS: "error.FAMILY_HAS_STUDENTS",
  FAMILY_NOT_FOUND: "error.FAMILY_NOT_FOUND",
  FEED_NOT_FOUND: "error.FEED_NOT_FOUND",
  GROUP_NOT_FOUND: "error.GROUP_NOT_FOUND",
  IDEMPOTENCY_KEY_IN_PROGRESS: "error.IDEMPOTENCY_KEY_IN_PROGRESS",
  IDEMPOTENCY_KEY_REUSED: "error.IDEMPOTENCY_KEY_REUSED",
  INSUFFICIENT_FUNDS: "error.INSUFFICIENT_FUNDS",
  INVALID_AMOUNT: "error.INVALID_AMOUNT",
  INVALID_BIRTH_DATE: "error.INVALID_BIRTH_DATE",
  INVALID_CAPACITY: "error.INVALID_CAPACITY",
  INVALID_CHILD_AGE: "error.INVALID_CHILD_AGE",
  INVALID_CODE: "error.INVALID_CODE",
  INVALID_CREDENTIALS: "error.INVALID_CREDENTIALS",
  INVALID_EMAIL: "error.INVALID_EMAIL",
  INVALID_GRADE: "error.INVALID_GRADE",
  INVALID_INPUT: "error.INVALID_INPUT",
  INVALID_LEAD_TRANSITION: "error.INVALID_LEAD_TRANSITION",
  INVALID_LINK: "error.INVALID_LINK",
  INVALID_LOGIN: "error.INVALID_LOGIN",
  INVALID_MONTH: "error.INVALID_MONTH",
  INVALID_NAME: "error.INVALID_NAME",
  INVALID_PERIOD: "error.INVALID_PERIOD",
  INVALID_PHONE: "error.INVALID_PHONE",
  INVALID_PRICE: "error.INVALID_PRICE",
  INVALID_RECURRENCE: "error.INVALID_RECURRENCE",
  INVALID_REFRESH_TOKEN: "error.UNAUTHENTICATED",
  INVALID_THRESHOLD: "error.INVALID_THRESHOLD",
  INVALID_TIME_RANGE: "error.INVALID_TIME_RANGE",
  INVALID_TIME_ZONE: "error.INVALID_TIME_ZONE",
  INVOICE_NOT_FOUND: "error.INVOICE_NOT_FOUND",
  INVOICE_STATE_INVALID: "error.INVOICE_STATE_INVALID",
  LATE_CANCELLATION_REFUSED: "error.CANCELLATION_TOO_LATE",
  LEAD_NOT_FOUND: "error.LEAD_NOT_FOUND",
  LESSON_CANCELLED: "error.LESSON_CANCELLED",
  LESSON_IN_PAST: "error.LESSON_IN_PAST",
  LESSON_NOT_FOUND: "error.LESSON_NOT_FOUND",
  LESSON_NOT_STARTED: "error.LESSON_NOT_STARTED",
  LESSON_PUBLISHED: "error.LESSON_PUBLISHED",
  LESSON_TYPE_EXISTS: "error.LESSON_TYPE_EXISTS",
  LESSON_TYPE_NOT_FOUND: "error.LESSON_TYPE_NOT_FOUND",
  LOGIN_TAKEN: "error.LOGIN_TAKEN",
  LOST_REASON_REQUIRED: "error.LOST_REASON_REQUIRED",
  MEMBERSHIP_NOT_FOUND: "error.MEMBERSHIP_NOT_FOUND",
  MESSENGER_NOT_CONFIGURED: "error.MESSENGER_NOT_CONFIGURED",
  WEB_PUSH_NOT_CONFIGURED: "error.WEB_PUSH_NOT_CONFIGURED",
  INVALID_PUSH_SUBSCRIPTION: "error.INVALID_PUSH_SUBSCRIPTION",
  TOO_MANY_PUSH_SUBSCRIPTIONS: "error.TOO_MANY_PUSH_SUBSCRIPTIONS",
  NOTIFICATION_MISMATCH: "error.NOTIFICATION_MISMATCH",
  NOT_A_PARTICIPANT: "error.NOT_A_PARTICIPANT",
  NOT_BOOKABLE: "error.NOT_BOOKABLE",
  NOT_FOUND: "error.NOT_FOUND",
  PAYMENTS_UNAVAILABLE: "error.PAYMENTS_UNAVAILABLE",
  PAYMENT_NOT_FOUND: "error.PAYMENT_NOT_FOUND",
  PHONE_TAKEN: "error.ALREADY_REGISTERED",
  QUESTION_CLOSED: "error.QUESTION_CLOSED",
  QUESTION_NOT_FOUND: "error.QUESTION_NOT_FOUND",
  RECORD_NOT_MATCHED: "error.RECORD_NOT_MATCHED",
  REFUND_EXCEEDS_PAYMENT: "error.REFUND_EXCEEDS_PAYMENT",
  ROOM_CONFLICT: "error.ROOM_CONFLICT",
  ROOM_NOT_FOUND: "error.ROOM_NOT_FOUND",
  SLOT_BOOKED: "error.SLOT_BOOKED",
  SLOT_CONFLICT: "error.SLOT_CONFLICT",
  SLOT_NOT_FOUND: "error.SLOT_NOT_FOUND",
  SLOT_TAKEN: "error.SLOT_TAKEN",
  SMS_NOT_AVAILABLE: "error.SMS_NOT_AVAILABLE",
  STAFF_NOT_IN_BRANCH: "error.STAFF_NOT_IN_BRANCH",
  STALE_LEAD_REVISION: "error.STALE_LEAD_REVISION",
  STALE_REVISION: "error.STALE_REVISION",
  STUDENT_CONFLICT: "error.STUDENT_CONFLICT",
  STUDENT_ERASED: "error.STUDENT_ERASED",
  STUDENT_NOT_FOUND: "error.STUDENT_NOT_FOUND",
  SUBSCRIPTION_NOT_FOUND: "error.SUBSCRIPTION_NOT_FOUND",
  SUBSCRIPTION_STATE_INVALID: "error.SUBSCRIPTION_STATE_INVALID",
  SUBSCRIPTION_TYPE_NOT_FOUND: "error.SUBSCRIPTION_TYPE_NOT_FOUND",
  TEACHER_CONFLICT: "error.TEACHER_CONFLICT",
  TEACHER_NOT_FOUND: "error.TEACHER_NOT_FOUND",
  TEXT_TOO_LONG: "error.TEXT_TOO_LONG",
  TOO_MANY_REQUESTS: "error.TOO_MANY_REQUESTS",
  TRIAL_ALREADY_USED: "error.TRIAL_ALREADY_USED",
  UNKNOWN_TOPIC: "error.UNKNOWN_TOPIC",
  WEAK_PASSWORD: "error.WEAK_PASSWORD",
  WRONG_BRANCH: "error.WRONG_BRANCH",
  WRONG_LESSON_TYPE: "error.WRONG_LESSON_TYPE",
};

/** Codes that come only as a GraphQL error's extensions.code (not signed in, no access), and older names. */
const OTHER_CODES: Record<string, MessageKey> = {
  CODE_ATTEMPTS_EXCEEDED: "error.CODE_LOCKED",
  TOO_MANY_ATTEMPTS: "error.CODE_LOCKED",
  LOCKED: "error.CODE_LOCKED",
  RATE_LIMITED: "error.TOO_MANY_REQUESTS",
  TRIAL_USED: "error.TRIAL_ALREADY_USED",
  LESSON_FULL: "error.LESSON_FULL",
  ALREADY_BOOKED: "error.ALREADY_BOOKED",
  CANCELLATION_TOO_LATE: "error.CANCELLATION_TOO_LATE",
  TOO_LATE_TO_CANCEL: "error.CANCELLATION_TOO_LATE",
  FORBIDDEN: "error.FORBIDDEN",
  UNAUTHENTICATED: "error.UNAUTHENTICATED",
  GATEWAY_OVERLOADED: "error.GATEWAY_OVERLOADED",
};

const own = (map: object, code: string): boolean => Object.prototype.hasOwnProperty.call(map, code);

function wordsFor(code: string): MessageKey | undefined {
  if (own(PAYLOAD_CODES, code)) return PAYLOAD_CODES[code as ErrorCode];
  return own(OTHER_CODES, code) ? OTHER_CODES[code] : undefined;
}

export interface ApiError {
  code: string;
  message: string;
  field?: string | null;
}

/** Words for an error: ours when we know the code, else the server's own (always a safe, typed message).
 * `triesLeft` is the sign-in payload's count after a wrong code (AuthPayload.triesLeft). */
export function describeError(t: Translate, error: ApiError, triesLeft?: number | null): string {
  const key = wordsFor(error.code);
  if (key === "error.INVALID_CODE" && triesLeft != null) {
    return t("error.INVALID_CODE_TRIES", { count: triesLeft });
  }
  return key ? t(key) : error.message || t("error.generic");
}

/** The first error of a network or GraphQL failure, as an ApiError. */
export function fromCombined(error: CombinedError | undefined): ApiError | null {
  if (!error) return null;
  if (error.networkError) return { code: "NETWORK", message: "" };
  const first = error.graphQLErrors[0];
  const code = (first?.extensions?.code as string | undefined) ?? "UNKNOWN";
  return { code, message: first?.message ?? "" };
}

export function describeCombined(t: Translate, error: CombinedError | undefined): string | null {
  const api = fromCombined(error);
  if (!api) return null;
  if (api.code === "NETWORK") return t("error.network");
  return describeError(t, api);
}
