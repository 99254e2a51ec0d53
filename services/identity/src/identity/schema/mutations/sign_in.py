"""Signing in and out, self-registration, email confirmation and password resets (anyone may call them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from identity.domain.errors import InvalidCode
from identity.entrypoints import session_cookie
from identity.schema.common import Ctx, client_ip, in_uow, run, run_anonymous
from identity.schema.enums import ResetChannel
from identity.schema.errors import UserError
from identity.schema.inputs import CompleteRegistrationInput, ResetPasswordInput
from identity.schema.types import Ack, AuthPayload, CodeRequestPayload, EmailPayload
from identity.service import auth, sessions
from identity.service.sessions import AuthSession as AuthSessionModel
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.graphql.mutations import attempt


async def _code_sign_in(info: Ctx, fn: Callable[[IdentityUnitOfWork], Awaitable[AuthSessionModel]]) -> AuthPayload:
    """A sign-in by SMS code; a wrong code's tries left go into the payload next to its INVALID_CODE error."""
    tries_left: int | None = None

    async def go() -> AuthSessionModel:
        nonlocal tries_left
        try:
            return await in_uow(info, fn)
        except InvalidCode as exc:
            tries_left = exc.tries_left
            raise

    got, errors = await attempt(go, error=UserError)
    return AuthPayload(session=session_cookie.deliver(info, got), errors=errors, tries_left=tries_left)


async def _request_code(info: Ctx, phone: str, purpose: auth.CodePurpose) -> CodeRequestPayload:
    got, errors = await run_anonymous(info, auth.request_phone_code,
                                      auth.RequestPhoneCode(phone, purpose, client_ip(info)))
    return CodeRequestPayload(ok=got is not None, expires_in=got.expires_in if got else None, errors=errors)


@strawberry.type
class SignInMutations:
    @strawberry.mutation(description="Send a sign-in code by SMS. The answer is the same for every number.")
    async def request_sign_in_code(self, info: Ctx, phone: str) -> CodeRequestPayload:
        return await _request_code(info, phone, auth.CodePurpose.SIGN_IN)

    @strawberry.mutation(description="Sign in to the family cabinet with the SMS code.")
    async def sign_in_with_code(self, info: Ctx, phone: str, code: str) -> AuthPayload:
        cmd = auth.SignInWithCode(phone, code)
        return await _code_sign_in(info, lambda uow: auth.sign_in_with_code(cmd, uow))

    @strawberry.mutation(description="Staff by email; guardians by phone or confirmed email, once they set a password.")
    async def sign_in_with_password(self, info: Ctx, login: str, password: str) -> AuthPayload:
        got, errors = await run_anonymous(info, auth.sign_in_with_password,
                                          auth.SignInWithPassword(login, password, client_ip(info)))
        return AuthPayload(session=session_cookie.deliver(info, got), errors=errors)

    @strawberry.mutation(description="Trade a refresh token for new tokens. A spent token revokes its whole chain. "
                                     "Without `refreshToken`, the session cookie's token is used.")
    async def refresh_session(self, info: Ctx, refresh_token: str | None = None) -> AuthPayload:
        token, cookie_mode = session_cookie.refresh_token_of(info, refresh_token)
        got, errors = await run_anonymous(info, sessions.refresh_session, sessions.RefreshSession(token))
        if got is None and cookie_mode:
            session_cookie.clear(info)
        return AuthPayload(session=session_cookie.deliver(info, got, cookie_mode=cookie_mode), errors=errors)

    @strawberry.mutation(description="End the session of this refresh token (and its chain); without "
                                     "`refreshToken`, the session cookie's. The cookie is cleared.")
    async def sign_out(self, info: Ctx, refresh_token: str | None = None) -> Ack:
        token, cookie_mode = session_cookie.refresh_token_of(info, refresh_token)
        if token:
            cmd = sessions.EndSession(token)
            await in_uow(info, lambda uow: sessions.end_session(cmd, uow))
        if cookie_mode:
            session_cookie.clear(info)
        return Ack(ok=True, errors=[])

    @strawberry.mutation(description="A new family proves its phone: send a registration code by SMS.")
    async def request_registration_code(self, info: Ctx, phone: str) -> CodeRequestPayload:
        return await _request_code(info, phone, auth.CodePurpose.REGISTER)

    @strawberry.mutation(description="Self-registration: code, names, optional email (a confirmation link is sent) "
                                     "and password. The cabinet opens at once.")
    async def complete_registration(self, info: Ctx, input: CompleteRegistrationInput) -> AuthPayload:
        cmd = auth.CompleteRegistration(input.phone, input.code, input.first_name, input.last_name, input.email,
                                        input.password)
        return await _code_sign_in(info, lambda uow: auth.complete_registration(cmd, uow))

    @strawberry.mutation(description="Confirm an email address with the token from the link.")
    async def confirm_email(self, info: Ctx, token: str) -> Ack:
        _got, errors = await run_anonymous(info, auth.confirm_email, auth.ConfirmEmail(token))
        return Ack(ok=not errors, errors=errors)

    @strawberry.mutation(description="Send the confirmation link again, optionally to a corrected address.")
    async def resend_email_confirmation(self, info: Ctx, email: str | None = None) -> EmailPayload:
        got, errors = await run(info, auth.resend_confirmation, auth.ResendConfirmation(email))
        return EmailPayload(email=got.email if got else None, errors=errors)

    @strawberry.mutation(description="Send a reset link by email (free) or a code by SMS (paid by the branch). "
                                     "The answer is the same for every login.")
    async def request_password_reset(self, info: Ctx, login: str, channel: ResetChannel) -> Ack:
        cmd = auth.RequestPasswordReset(login, auth.ResetChannel(channel.value), client_ip(info))
        _, errors = await run_anonymous(info, auth.request_password_reset, cmd)
        return Ack(ok=not errors, errors=errors)

    @strawberry.mutation(description="Set a new password with the email token, or with phone + SMS code.")
    async def reset_password(self, info: Ctx, input: ResetPasswordInput) -> Ack:
        cmd = auth.ResetPassword(input.new_password, input.token, input.phone, input.code)
        _, errors = await run_anonymous(info, auth.reset_password, cmd)
        return Ack(ok=not errors, errors=errors)
