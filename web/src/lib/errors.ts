import type { CombinedError } from "urql";
import type { MessageKey, Translate } from "./i18n";

/** API error codes (UserError.code, extensions.code) -> the catalogue's words for a parent. */
const KNOWN: Record<string, MessageKey> = {
  INVALID_CODE: "error.INVALID_CODE",
  CODE_LOCKED: "error.CODE_LOCKED",
  CODE_ATTEMPTS_EXCEEDED: "error.CODE_LOCKED",
  TOO_MANY_ATTEMPTS: "error.CODE_LOCKED",
  LOCKED: "error.CODE_LOCKED",
  TOO_MANY_REQUESTS: "error.TOO_MANY_REQUESTS",
  RATE_LIMITED: "error.TOO_MANY_REQUESTS",
  CABINET_NOT_OPEN: "error.CABINET_NOT_OPEN",
  SMS_NOT_AVAILABLE: "error.SMS_NOT_AVAILABLE",
  INVALID_CREDENTIALS: "error.INVALID_CREDENTIALS",
  INVALID_PHONE: "error.INVALID_PHONE",
  RECORD_NOT_MATCHED: "error.RECORD_NOT_MATCHED",
  FAMILY_HAS_STUDENTS: "error.FAMILY_HAS_STUDENTS",
  ALREADY_REGISTERED: "error.ALREADY_REGISTERED",
  PHONE_TAKEN: "error.ALREADY_REGISTERED",
  WEAK_PASSWORD: "error.WEAK_PASSWORD",
  INVALID_EMAIL: "error.INVALID_EMAIL",
  EMAIL_TAKEN: "error.EMAIL_TAKEN",
  INVALID_BIRTH_DATE: "error.INVALID_BIRTH_DATE",
  CONSENT_REQUIRED: "error.CONSENT_REQUIRED",
  INVALID_NAME: "error.INVALID_NAME",
  INVALID_LINK: "error.INVALID_LINK",
  TRIAL_ALREADY_USED: "error.TRIAL_ALREADY_USED",
  TRIAL_USED: "error.TRIAL_ALREADY_USED",
  LESSON_FULL: "error.LESSON_FULL",
  SLOT_TAKEN: "error.SLOT_TAKEN",
  ALREADY_BOOKED: "error.ALREADY_BOOKED",
  CANCELLATION_TOO_LATE: "error.CANCELLATION_TOO_LATE",
  LATE_CANCELLATION_REFUSED: "error.CANCELLATION_TOO_LATE",
  CAPACITY_EXCEEDED: "error.LESSON_FULL",
  ALREADY_PARTICIPANT: "error.ALREADY_BOOKED",
  LESSON_IN_PAST: "error.LESSON_IN_PAST",
  BOOKING_ALREADY_CANCELLED: "error.BOOKING_ALREADY_CANCELLED",
  STUDENT_CONFLICT: "error.STUDENT_CONFLICT",
  DELIVERY_UNAVAILABLE: "error.SMS_NOT_AVAILABLE",
  TOO_LATE_TO_CANCEL: "error.CANCELLATION_TOO_LATE",
  FORBIDDEN: "error.FORBIDDEN",
  NOT_FOUND: "error.NOT_FOUND",
  UNAUTHENTICATED: "error.UNAUTHENTICATED",
  INVALID_REFRESH_TOKEN: "error.UNAUTHENTICATED",
};

export interface ApiError {
  code: string;
  message: string;
  field?: string | null;
}

/** Words for an error: ours when we know the code, else the server's own (always a safe, typed message).
 * `triesLeft` is the sign-in payload's count after a wrong code (AuthPayload.triesLeft). */
export function describeError(t: Translate, error: ApiError, triesLeft?: number | null): string {
  const key = KNOWN[error.code];
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
