"""Billing's error codes (machine-readable; clients branch on ``code``)."""

from __future__ import annotations

from kabinet.errors import Conflict, InvalidInput, KabinetError, NotFound


class InsufficientFunds(Conflict):
    code = "INSUFFICIENT_FUNDS"
    message = "The family's balance and credit limit do not cover this charge."


class AccountNotFound(NotFound):
    code = "ACCOUNT_NOT_FOUND"
    message = "The family has no billing account yet."


class SubscriptionNotFound(NotFound):
    code = "SUBSCRIPTION_NOT_FOUND"
    message = "No such subscription."


class SubscriptionTypeNotFound(NotFound):
    code = "SUBSCRIPTION_TYPE_NOT_FOUND"
    message = "No such subscription type."


class TrialAlreadyUsed(Conflict):
    code = "TRIAL_ALREADY_USED"
    message = ("This family has already had its free trial (one per family, for any of its children): a trial "
               "subscription cannot be sold to it again.")


class SubscriptionStateInvalid(Conflict):
    code = "SUBSCRIPTION_STATE_INVALID"
    message = "The subscription cannot do this in its current state."


class PaymentNotFound(NotFound):
    code = "PAYMENT_NOT_FOUND"
    message = "No such payment."


class RefundTooLarge(Conflict):
    code = "REFUND_EXCEEDS_PAYMENT"
    message = "The refund is larger than what is left of the payment."


class InvoiceNotFound(NotFound):
    code = "INVOICE_NOT_FOUND"
    message = "No such invoice."


class InvoiceStateInvalid(Conflict):
    code = "INVOICE_STATE_INVALID"
    message = "The invoice cannot do this in its current state."


class StudentUnknown(NotFound):
    code = "STUDENT_NOT_FOUND"
    message = "Billing does not know this student."


class InvalidAmount(InvalidInput):
    code = "INVALID_AMOUNT"
    message = "The amount must be a positive number of at most two decimal places."


class BalanceLimitExceeded(Conflict):
    code = "BALANCE_LIMIT_EXCEEDED"
    message = "This would take the family's balance beyond the allowed limit."


class CheckoutUnknown(NotFound):
    code = "CHECKOUT_UNKNOWN"
    message = "Billing started no such checkout."


class NotificationMismatch(Conflict):
    code = "NOTIFICATION_MISMATCH"
    message = "The notification does not match the checkout billing started."


class CurrencyMismatch(InvalidInput):
    code = "CURRENCY_MISMATCH"
    message = "The currency does not match the account's currency."


class PaymentsUnavailable(KabinetError):
    code = "PAYMENTS_UNAVAILABLE"
    message = "Online payments are not configured."


class UnbalancedTransaction(ValueError):
    """A programming error: a ledger transaction whose entries do not sum to zero."""


class LessonNotKnownYet(RuntimeError):
    """Attendance arrived before the lesson's scheduling event: retried by the bus until it is known."""
