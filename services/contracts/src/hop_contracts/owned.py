"""The body links answers to ``GET /api/v1/links:ids`` (`hop_contracts.LINK_IDS_PATH`).

Usage::

    owned = OwnedLinks.model_validate_json(response.content)
    codes = {link.id: link.code for link in owned.items}

Every link the API key's owner has now, oldest first: its stable id (by which analytics
reads clicks) and its code. A deleted link is absent; a code deleted and created again
appears with its new id, under whichever owner created it. 401 means the key is missing,
unknown or revoked.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hop_contracts.resolve import LinkId

__all__ = ["OwnedLink", "OwnedLinks"]


class OwnedLink(BaseModel):
    """One of the owner's links: its stable id, its code and the domain the code lives on."""

    model_config = ConfigDict(frozen=True)

    id: LinkId
    code: str
    #: The canonical name of the link's domain (the platform's host for a platform link).
    domain: str


class OwnedLinks(BaseModel):
    """Every link of the API key's owner, oldest first."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": "5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4",
                            "code": "abc1234",
                            "domain": "hop.example",
                        }
                    ]
                }
            ]
        },
    )

    items: list[OwnedLink]
