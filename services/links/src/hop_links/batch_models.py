"""The batch create API's models: each item is checked on its own, so one bad item fails alone."""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError

from hop_links.models import Link, LinkCreate

__all__ = ["MAX_BATCH", "BatchCreate", "BatchItemResult", "BatchResult", "InvalidItem"]

MAX_BATCH: Final = 1000


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
