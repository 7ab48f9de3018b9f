"""The console's forms: read an urlencoded body, check it, turn it into links' request bodies.

Only what a browser cannot check is checked here (the expiry's format, the status);
links stays the judge of URLs, aliases and tags and its 422 detail is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from urllib.parse import parse_qs

from hop_console.errors import RejectedError

__all__ = [
    "MAX_FORM_BYTES",
    "MAX_FORM_FIELDS",
    "REDIRECT_STATUSES",
    "DateRange",
    "Form",
    "create_body",
    "date_range",
    "update_body",
]

MAX_FORM_BYTES: Final = 16_384
MAX_FORM_FIELDS: Final = 50
#: A ``%`` that does not start two hex digits: bad percent-encoding.
_BAD_ESCAPE: Final = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_NOT_UTF8: Final = (
    "The form is not valid UTF-8 (percent-encoded bytes that spell no character); "
    "send it again from the console's page."
)
REDIRECT_STATUSES: Final = (302, 307, 301, 308)
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 366


class Form:
    """The fields of one submitted form (the first value of each name)."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self._fields = dict(fields)

    @classmethod
    def parse(cls, body: bytes) -> Form:
        """Read an ``application/x-www-form-urlencoded`` body; refuse a malformed one (4xx)."""
        if _BAD_ESCAPE.search(body):
            raise RejectedError(400, "The form has a '%' that starts no %XX escape.")
        try:
            parsed = parse_qs(
                body.decode("utf-8"),
                keep_blank_values=True,
                errors="strict",
                max_num_fields=MAX_FORM_FIELDS,
            )
        except UnicodeDecodeError:
            raise RejectedError(400, _NOT_UTF8) from None
        except ValueError:  # parse_qs: "Max number of fields exceeded"
            raise RejectedError(
                413, f"The form has more than {MAX_FORM_FIELDS} fields; send the page's form."
            ) from None
        return cls({name: values[0] for name, values in parsed.items()})

    def get(self, name: str) -> str:
        """Return a field, stripped; "" when absent."""
        return self._fields.get(name, "").strip()

    def has(self, name: str) -> bool:
        """Tell whether a field (a ticked checkbox) was sent."""
        return name in self._fields

    def values(self) -> dict[str, str]:
        """Return every field, for showing the form again after an error."""
        return dict(self._fields)


def create_body(form: Form) -> dict[str, Any]:
    """Return links' `LinkCreate` body of the create form (the picked domain, if any)."""
    body: dict[str, Any] = {
        "url": form.get("url"),
        "redirect_status": _status(form.get("redirect_status")),
        "forward_query": form.has("forward_query"),
        "tags": _tags(form.get("tags")),
    }
    if form.get("code"):
        body["code"] = form.get("code")
    if form.get("domain"):  # left out: the platform domain
        body["domain"] = form.get("domain")
    if form.get("expires_at"):
        body["expires_at"] = _expiry(form.get("expires_at"))
    return body


def update_body(form: Form) -> dict[str, Any]:
    """Return links' `LinkUpdate` body of the edit form (an empty expiry removes it)."""
    expiry = form.get("expires_at")
    return {
        "url": form.get("url"),
        "redirect_status": _status(form.get("redirect_status")),
        "forward_query": form.has("forward_query"),
        "tags": _tags(form.get("tags")),
        "expires_at": _expiry(expiry) if expiry else None,
    }


def _status(text: str) -> int:
    if text.isdigit() and int(text) in REDIRECT_STATUSES:
        return int(text)
    allowed = ", ".join(str(status) for status in REDIRECT_STATUSES)
    raise RejectedError(422, f"Redirect status {text!r} is not one of {allowed}.")


def _tags(text: str) -> list[str]:
    return sorted({tag.strip() for tag in text.split(",") if tag.strip()})


def _expiry(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RejectedError(
            422, f"Expiry {text!r} is not a date and time like 2030-01-31T18:00."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


@dataclass(slots=True, frozen=True)
class DateRange:
    """The days stats cover: ``start``..``end`` inclusive, UTC."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return how many days the range covers."""
        return (self.end - self.start).days + 1


def date_range(start: str | None, end: str | None, *, today: date) -> DateRange:
    """Return the range the picker asked for (default: the last 30 days up to today)."""
    last = _day(end, "to") if end else today
    first = _day(start, "from") if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise RejectedError(422, f"The range starts ({first}) after it ends ({last}).")
    if (last - first).days + 1 > MAX_DAYS:
        raise RejectedError(422, f"The range covers more than {MAX_DAYS} days; shorten it.")
    return DateRange(first, last)


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RejectedError(422, f"{name}={text!r} is not a day like 2026-11-29.") from None
