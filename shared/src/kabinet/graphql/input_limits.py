"""Limits on every text a client sends, checked once for every root field of every subgraph.

Installed on every subgraph's root fields when the schema is built (``kabinet.graphql.schema``); one rule set
instead of a check per mutation: a string argument (or a string inside an input object, at any
depth) is judged by its name. Names of people, groups and places are short and printable; reasons are a
paragraph; comments, summaries and homework a page. Everything else (tokens, codes, emails, ids) is bounded
by the default. Control characters are refused everywhere but line breaks and tabs in long texts, and
bidirectional overrides (which make a name display as something else) are refused in names.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from graphql import GraphQLFieldResolver, GraphQLResolveInfo

from kabinet.errors import BadUserInput


@dataclass(frozen=True)
class TextRule:
    max_length: int
    multiline: bool = False
    name_like: bool = False


NAME: Final = TextRule(100, name_like=True)
REASON: Final = TextRule(1_000, multiline=True)
LONG_TEXT: Final = TextRule(5_000, multiline=True)
DEFAULT: Final = TextRule(1_000)

# Python (snake_case) argument and input-field names; documented in docs/security.md.
RULES: Final[dict[str, TextRule]] = {
    **dict.fromkeys(("first_name", "last_name", "middle_name", "name", "surname", "title", "topic", "city",
                     "room", "course_name", "group_name"), NAME),
    **dict.fromkeys(("reason", "address"), REASON),
    **dict.fromkeys(("description", "comment", "summary", "homework", "text", "answer", "private_comment",
                     "message", "note"), LONG_TEXT),
    "email": TextRule(254),
    "password": TextRule(200), "current_password": TextRule(200), "new_password": TextRule(200),
}

# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), and the invisible marks.
_BIDI: Final = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


_CAMEL: Final = re.compile(r"(?<!^)(?=[A-Z])")


@functools.lru_cache(maxsize=1024)
def rule_for(name: str) -> TextRule:
    # Arguments arrive under their GraphQL (camelCase) names; the table uses the Python ones.
    return RULES.get(_CAMEL.sub("_", name).lower(), DEFAULT)


def check_text(name: str, value: str, path: str) -> None:
    rule = rule_for(name)
    if len(value) > rule.max_length:
        raise BadUserInput(f"'{path}' is longer than {rule.max_length} characters.", field=path)
    if value.isprintable():
        # No control character (Cc) and no direction mark (Cf) in it: nothing below could refuse it. Most texts
        # (ids, names, the gateway's representations) end here, without a look at each character.
        return
    for ch in value:
        if unicodedata.category(ch) == "Cc" and not (rule.multiline and ch in "\n\r\t"):
            raise BadUserInput(f"'{path}' contains a control character.", field=path)
    if rule.name_like and _BIDI.search(value):
        raise BadUserInput(f"'{path}' contains a text-direction control character.", field=path)


def _walk(name: str, value: Any, path: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, str):
        yield name, value, path
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(name, item, f"{path}.{i}")
    elif isinstance(value, dict):
        # graphql-core hands input objects over as dicts keyed by their GraphQL names.
        for key, item in value.items():
            yield from _walk(key, item, f"{path}.{key}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Strawberry input objects are dataclasses; their fields carry the Python names.
        for f in dataclasses.fields(value):
            yield from _walk(f.name, getattr(value, f.name), f"{path}.{f.name}")


def check_arguments(arguments: dict[str, Any]) -> None:
    for arg, value in arguments.items():
        for name, text, path in _walk(arg, value, arg):
            check_text(name, text, path)


def checking_texts(resolve: GraphQLFieldResolver) -> GraphQLFieldResolver:
    """``resolve`` (a root field's) behind the limits on its arguments' texts."""

    def resolver(root: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        if kwargs and info.path.prev is None:
            check_arguments(kwargs)
        return resolve(root, info, **kwargs)

    return resolver
