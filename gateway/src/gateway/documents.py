"""Which document a request runs: its `query`, an automatic persisted query, or a trusted document.

**Automatic persisted queries** (Apollo's protocol): `extensions.persistedQuery = {version: 1, sha256Hash}`.
A hash alone runs the document registered under it, or answers `PERSISTED_QUERY_NOT_FOUND` (status 200, so
Apollo Client and the other APQ links retry with the full text); a hash with the query registers it once the
hash is checked (`PERSISTED_QUERY_HASH_MISMATCH`, 400, otherwise). Registered documents live in a bounded LRU.
Over GET this works for queries only, like any GET.

**Trusted documents** (`GATEWAY_TRUSTED_DOCUMENTS`, for the mobile apps): a manifest of the only operations
allowed, `{"<sha256>": "<document>"}` or Apollo's persisted-query manifest
(`{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}]}`). A request names one by
`documentId` (GraphQL over HTTP's persisted documents, `sha256:` prefix optional) or by the APQ hash, or sends
the text of a registered document. An unknown id is 404 `PERSISTED_QUERY_NOT_FOUND`, a text not in the list
403 `PERSISTED_QUERY_NOT_IN_LIST`; nothing registers new documents.

**Registered documents alongside arbitrary ones** (`GATEWAY_TRUSTED_DOCUMENTS_ONLY=false`; what `kabinet run` does
with the web app's manifest): the manifest's documents are served by `documentId` or hash as above, and any
other document still runs as in the default mode (the console sends its own). An unknown `documentId` is 404.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.planning.cache import LRUCache


class DocumentRejected(Exception):
    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """Read a trusted-documents manifest into `{sha256 hex: document}` (ids are checked against the text)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    documents: dict[str, str] = {}
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        entries = [(str(op.get("id", "")), op.get("body")) for op in raw["operations"] if isinstance(op, dict)]
    elif isinstance(raw, dict):
        entries = list(raw.items())
    else:
        raise ValueError(f"{path}: a trusted-documents manifest is a JSON object")
    for key, body in entries:
        if not isinstance(body, str):
            raise ValueError(f"{path}: the document of {key!r} is not a string")
        digest = sha256_hex(body)
        named = key.removeprefix("sha256:")
        if named and named != digest:
            raise ValueError(f"{path}: {named!r} is not the sha256 of its document ({digest})")
        documents[digest] = body
    return documents


class DocumentStore:
    def __init__(
        self,
        *,
        apq_enabled: bool = True,
        apq_cache_size: int = 5000,
        trusted: Mapping[str, str] | None = None,
        trusted_only: bool = True,
    ) -> None:
        self.apq_enabled = apq_enabled
        self.trusted = dict(trusted) if trusted is not None else None
        self.trusted_only = trusted_only
        self.apq: LRUCache[str, str] = LRUCache(apq_cache_size)

    def resolve(self, query: Any, extensions: Mapping[str, Any] | None, document_id: Any) -> Any:
        """The document text to run (or `query` unchanged, for the caller to validate). Raises DocumentRejected."""
        persisted = (extensions or {}).get("persistedQuery")
        hash_: str | None = None
        if persisted is not None:
            if not isinstance(persisted, dict):
                raise DocumentRejected("'extensions.persistedQuery' must be an object.", "BAD_REQUEST", 400)
            if persisted.get("version") != 1:
                raise DocumentRejected("Unsupported persisted query version.", "PERSISTED_QUERY_NOT_SUPPORTED", 400)
            hash_ = persisted.get("sha256Hash")
            if not isinstance(hash_, str) or not hash_:
                raise DocumentRejected("'persistedQuery.sha256Hash' must be a string.", "BAD_REQUEST", 400)
            hash_ = hash_.lower()
        if document_id is not None:
            if not isinstance(document_id, str) or not document_id:
                raise DocumentRejected("'documentId' must be a string.", "BAD_REQUEST", 400)
            hash_ = document_id.removeprefix("sha256:").lower()
        if self.trusted is not None and self.trusted_only:
            return self._trusted(query, hash_)
        if hash_ is None:
            return query
        if self.trusted is not None and not (isinstance(query, str) and query):
            registered = self.trusted.get(hash_)
            if registered is not None:
                return registered
            if document_id is not None:
                raise DocumentRejected(f"No trusted document has the id {hash_!r}.", "PERSISTED_QUERY_NOT_FOUND", 404)
        if document_id is not None and self.trusted is None:
            raise DocumentRejected(
                "Persisted documents by 'documentId' need the trusted-documents mode.",
                "PERSISTED_QUERY_NOT_SUPPORTED",
                400,
            )
        if not self.apq_enabled:
            raise DocumentRejected("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED", 400)
        if isinstance(query, str) and query:
            if sha256_hex(query) != hash_:
                raise DocumentRejected("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH", 400)
            self.apq.put(hash_, query)
            return query
        stored = self.apq.get(hash_)
        if stored is None:
            # Status 200: the APQ links of Apollo Client, urql, Relay read this error and resend with the text.
            raise DocumentRejected("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", 200)
        return stored

    def _trusted(self, query: Any, hash_: str | None) -> str:
        assert self.trusted is not None
        if isinstance(query, str) and query:
            digest = sha256_hex(query)
            if hash_ is not None and hash_ != digest:
                raise DocumentRejected("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH", 400)
            if digest not in self.trusted:
                raise DocumentRejected(
                    "This operation is not in the list of trusted documents.", "PERSISTED_QUERY_NOT_IN_LIST", 403
                )
            return query
        if hash_ is None:
            raise DocumentRejected(
                "Only trusted documents are served: send 'documentId' (or the persisted query hash).",
                "PERSISTED_QUERY_ID_REQUIRED",
                400,
            )
        document = self.trusted.get(hash_)
        if document is None:
            raise DocumentRejected(f"No trusted document has the id {hash_!r}.", "PERSISTED_QUERY_NOT_FOUND", 404)
        return document
