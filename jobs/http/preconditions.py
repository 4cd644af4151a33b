"""ETag and If-Match (docs/api.md, Retries and concurrency: ETag and If-Match), at the edge.

`etag` writes a version as a strong entity tag; `if_match` reads the
request's If-Match (RFC 7232, 3.1) for the services, which compare it with
the current version right after the 404 look-up and again under the write
lock (`jobs.services.versions.require_match`).
"""
import re

from flask import request

from jobs.services.versions import ANY

# One list element: a (possibly weak) entity tag, then a comma or the end.
_ELEMENT = re.compile(r'[ \t]*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)')
_EMPTY_ELEMENT = re.compile(r"[ \t]*,")


def etag(version: str) -> str:
    """Return `version` as a strong entity tag: `"<version>"`."""
    return f'"{version}"'


def if_match() -> str | frozenset[str] | None:
    """Return the request's If-Match: None when absent, `ANY` for `*`, else the strong tags.

    Weak tags (`W/"..."`) never match in If-Match and are left out; a
    malformed header matches nothing (the empty set). Several If-Match
    headers are one comma-separated list.
    """
    values = request.headers.getlist("If-Match")
    if not values:
        return None
    text = ", ".join(values).strip(" \t")
    if text == ANY:
        return ANY
    return _strong_tags(text)


def _strong_tags(text: str) -> frozenset[str]:
    tags, position, seen_one = set(), 0, False
    while position < len(text):
        empty = _EMPTY_ELEMENT.match(text, position)
        if empty:
            position = empty.end()
            continue
        element = _ELEMENT.match(text, position)
        if element is None or element.end() == position:
            return frozenset()
        seen_one = True
        if element.group(1) is None:
            tags.add(element.group(2))
        position = element.end()
    return frozenset(tags) if seen_one else frozenset()
