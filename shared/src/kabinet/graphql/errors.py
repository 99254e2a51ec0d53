"""Turn exceptions into client-safe GraphQL errors with ``extensions.code``; mask everything else."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from kabinet.errors import KabinetError
from kabinet.outages import SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, is_outage

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error."


def is_client_error(error: GraphQLError) -> bool:
    """The caller's mistake or lack of access (a typed error, a malformed query, id or phone), not ours."""
    orig = error.original_error
    return orig is None or isinstance(orig, KabinetError | GraphQLError) or (
        isinstance(orig, ValueError) and "Phone" in error.message)


def log_errors(errors: list[GraphQLError]) -> None:
    """One INFO line per client error (forbidden, unauthenticated, bad input). The unexpected ones are logged
    once by ErrorCodes (ERROR with the traceback; a dependency outage a WARNING) as it masks them."""
    for error in errors:
        if is_client_error(error):
            orig = error.original_error
            log.info("graphql request refused: %s", error.message, extra={
                "code": getattr(orig, "code", None) or (error.extensions or {}).get("code"),
                "path": ".".join(str(p) for p in error.path or ())})


class ErrorCodes(SchemaExtension):
    """Known errors keep their message and get their code; unknown ones are logged and masked."""

    def on_operation(self) -> Iterator[None]:
        yield
        self.finish(self.execution_context)

    @classmethod
    def finish(cls, execution_context: ExecutionContext) -> None:
        """The operation's errors typed and masked (its last step, also run by the kit's direct execution)."""
        result = execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [cls._format(e) for e in result.errors]
        unavailable = any((e.extensions or {}).get("code") == SERVICE_UNAVAILABLE for e in result.errors)
        response = getattr(execution_context.context, "response", None)
        if unavailable and result.data is None and response is not None:
            # Nothing could be answered because a dependency is down: 503, so clients and the gateway retry.
            response.status_code = 503

    @staticmethod
    def _format(error: GraphQLError) -> GraphQLError:
        orig = error.original_error
        ext: dict[str, Any] = dict(error.extensions or {})
        if orig is None:
            # Parse/validation errors: their messages are about the query, safe to show.
            ext.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
            return GraphQLError(error.message, nodes=error.nodes, source=error.source,
                                positions=error.positions, path=error.path, extensions=ext)
        if isinstance(orig, GraphQLError):
            # A variable's value failed coercion (graphql-core wraps the scalar's error): the message is about
            # the request and safe to show; the client sent a bad value.
            ext["code"] = "BAD_USER_INPUT"
            return GraphQLError(error.message, nodes=error.nodes, path=error.path, extensions=ext)
        if isinstance(orig, KabinetError):
            ext["code"] = orig.code
            if orig.field:
                ext["field"] = orig.field
            return GraphQLError(orig.message, nodes=error.nodes, path=error.path, extensions=ext)
        if isinstance(orig, ValueError) and "Phone" in error.message:
            ext["code"] = "INVALID_PHONE"
            return GraphQLError("This is not a valid phone number.", nodes=error.nodes, path=error.path,
                                extensions=ext)
        if is_outage(orig):
            # The database (or another dependency) is down: not a bug, and retrying later will work.
            log.warning("dependency unavailable in resolver", extra={"path": error.path, "error": repr(orig)})
            return GraphQLError(UNAVAILABLE_MESSAGE, nodes=error.nodes, path=error.path,
                                extensions={"code": SERVICE_UNAVAILABLE})
        log.error("unhandled error in resolver", exc_info=orig, extra={"path": error.path})
        return GraphQLError(INTERNAL_MESSAGE, nodes=error.nodes, path=error.path,
                            extensions={"code": "INTERNAL_SERVER_ERROR"})
