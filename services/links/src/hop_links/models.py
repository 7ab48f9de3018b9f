"""The HTTP API's request and response models, with the examples the OpenAPI document shows.

A batch create checks each item on its own (`BatchItem`), so one bad item fails alone.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
)

from hop_contracts import Link, RedirectStatus
from hop_contracts.links import LINK_EXAMPLE
from hop_links.codes import ALIAS_PATTERN
from hop_links.validation import MAX_TAG_LENGTH, MAX_TAGS, MAX_URL_LENGTH, TAG_PATTERN

__all__ = [
    "MAX_BATCH",
    "Alias",
    "BatchCreate",
    "BatchItemResult",
    "BatchResult",
    "DomainDeleted",
    "DomainName",
    "ErrorMessage",
    "InvalidItem",
    "LinkCreate",
    "LinkUpdate",
    "Tag",
    "TargetUrl",
]

TargetUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="Absolute http(s) URL to redirect to; not on hop's own host.",
        examples=["https://example.com/docs/getting-started?ref=hop"],
    ),
]
Alias = Annotated[
    str,
    StringConstraints(min_length=3, max_length=64, pattern=ALIAS_PATTERN),
    Field(
        description="Custom code: 3-64 of A-Z a-z 0-9 _ -, starting with a letter or digit; "
        "reserved words (api, docs, internal, livez, readyz, metrics, ...) are refused.",
        examples=["spring-sale"],
    ),
]
Tag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TAG_LENGTH, pattern=TAG_PATTERN),
    Field(examples=["campaign:spring"]),
]
Tags = Annotated[
    list[Tag], Field(max_length=MAX_TAGS, description=f"At most {MAX_TAGS} tags; kept sorted.")
]
MAX_BATCH: Final = 1000
DomainName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1024,
        description="A branded domain of yours, any spelling (Unicode or punycode, any "
        "case); omitted, empty or the platform's own host: the platform domain.",
        examples=["go.acme.com"],
    ),
]
Expiry = Annotated[
    AwareDatetime,
    Field(
        description="When the link stops redirecting; with a time zone, in the future.",
        examples=["2030-01-01T00:00:00Z"],
    ),
]

_CREATABLE = ("url", "code", "redirect_status", "forward_query", "expires_at", "tags")
#: The documented link (`hop_contracts.links.LINK_EXAMPLE`), as its owner created it.
_CREATE_EXAMPLE: dict[str, Any] = {field: LINK_EXAMPLE[field] for field in _CREATABLE}


class LinkCreate(BaseModel):
    """A link to create."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CREATE_EXAMPLE]})

    url: TargetUrl
    code: Alias | None = Field(default=None, description="Custom alias; omit for a random code.")
    domain: DomainName | None = None
    redirect_status: RedirectStatus = Field(
        default=302, description="302 (default) and 307 keep every click counted."
    )
    forward_query: bool = Field(
        default=False, description="Append the short URL's query string to the target."
    )
    expires_at: Expiry | None = None
    tags: Tags = Field(default_factory=list)


class LinkUpdate(BaseModel):
    """Changes to a link; absent fields (and null, except for expires_at) stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://example.com/new", "disabled": True}]},
    )

    url: TargetUrl | None = None
    domain: DomainName | None = Field(
        default=None,
        description="Move the link to this domain of yours (its code must be free there).",
    )
    redirect_status: RedirectStatus | None = None
    forward_query: bool | None = None
    expires_at: Expiry | None = Field(default=None, description="null removes the expiry.")
    tags: Tags | None = Field(default=None, description="Replaces every tag.")
    disabled: bool | None = Field(default=None, description="A disabled link answers 404.")


class ErrorMessage(BaseModel):
    """An error: ``detail`` says what was wrong and how to fix it."""

    detail: str = Field(examples=["No link with code 'abc1234' exists for this API key."])


class InvalidItem:
    """An item that did not match `LinkCreate`, and why."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message


def _item(value: Any) -> LinkCreate | InvalidItem:
    try:
        return LinkCreate.model_validate(value)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "item"
        return InvalidItem(field, f"{field}: {first['msg']}")


BatchItem = Annotated[
    LinkCreate | InvalidItem, PlainValidator(_item, json_schema_input_type=LinkCreate)
]


class BatchCreate(BaseModel):
    """Up to 1,000 links to create in one request."""

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        json_schema_extra={
            "examples": [
                {"items": [{"url": "https://example.com/a"}, {"url": "https://example.com/b"}]}
            ]
        },
    )

    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class BatchItemResult(BaseModel):
    """The outcome of one item: 201 and the link, or the error status and its detail."""

    index: int = Field(description="Position of the item in the request.")
    status: int = Field(examples=[201, 409, 422])
    link: Link | None = None
    detail: str | None = Field(default=None, examples=["The code 'sale' is already taken."])


class BatchResult(BaseModel):
    """Per-item outcomes, in request order."""

    created: int
    failed: int
    results: list[BatchItemResult]


class DomainDeleted(BaseModel):
    """What deleting a domain did: every link on it was deleted with it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "go.acme.com", "deleted_links": 3}]}
    )

    name: str = Field(description="The domain's canonical name.")
    deleted_links: int = Field(ge=0, description="How many links were deleted with it.")
