"""Password hashing: argon2id with parameters from settings; old hashes are upgraded at sign-in."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError


class PasswordHasher:
    def __init__(self, time_cost: int = 2, memory_cost_kib: int = 19456, parallelism: int = 1) -> None:
        self._ph = Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism,
                                type=Type.ID)
        # Verified against when the account does not exist, so both cases cost the same time.
        self._dummy = self._ph.hash("not-a-password-of-anyone")

    async def hash(self, password: str) -> str:
        # argon2 is CPU-bound by design: keep it off the event loop.
        return await asyncio.to_thread(self._ph.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._ph.verify(stored or self._dummy, password) and stored is not None
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, stored: str) -> bool:
        return self._ph.check_needs_rehash(stored)
