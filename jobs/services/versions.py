"""Versions of jobs and paths for ETag and If-Match (docs/api.md, Retries and concurrency).

A version is a strong validator of a row's own stored columns (a path's
also of its steps): the first 16 hex digits of the SHA-256 of those values,
so it changes with every write to them (`updated_at` included) and with
nothing else. One function computes it for every answer and every check.
"""
import hashlib
import json
from collections.abc import Callable

import orjson
from peewee import Model

from jobs.errors import PreconditionFailed

# If-Match: * (any current version of an existing row).
ANY = "*"


def version(model: type[Model], row: dict,
            children: tuple[type[Model], list[dict]] | None = None) -> str:
    """Return the version of `row` (a `model` row dict) and, if given, its `children` rows.

    A column missing from a dict is NULL (as stored: a new row's absent fields).
    """
    parts = [_values(model, row)]
    if children is not None:
        child_model, child_rows = children
        parts += [_values(child_model, child) for child in child_rows]
    return hashlib.sha256(_compact(parts)).hexdigest()[:16]


def _compact(parts: list) -> bytes:
    # orjson writes the bytes json.dumps(ensure_ascii=False, separators=(",", ":"),
    # default=str) writes for these values (text, integers, booleans, None, lists, Decimals
    # as strings), 35 times faster (docs/benchmarks.md); it stops at integers beyond 64 bits.
    try:
        return orjson.dumps(parts, default=str)
    except TypeError:
        return json.dumps(parts, ensure_ascii=False, separators=(",", ":"),
                          default=str).encode("utf-8")


def _values(model: type[Model], row: dict) -> list:
    return [row.get(field.column_name) for field in model._meta.sorted_fields]


def require_match(if_match: str | frozenset[str] | None, changed: str,
                  version_of: Callable[[dict], str], row: dict) -> None:
    """Raise PreconditionFailed(`changed`) unless `if_match` names `version_of(row)`.

    `if_match`: None (no If-Match: always matches, and no version is
    computed), `ANY`, or the set of strong validators listed (empty when the
    header was malformed). `changed` is the service's message, `{Kind} has
    changed since it was read`. The one check of both Job and Path.
    """
    if if_match is None or if_match == ANY:
        return
    if version_of(row) not in if_match:
        raise PreconditionFailed(changed)
