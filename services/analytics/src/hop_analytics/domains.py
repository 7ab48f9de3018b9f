"""A ``?domain=`` as links names it: the canonical form of a domain name, or a clear 422.

links stores every link's domain in one form (IDNA punycode, lower case, no trailing
dot) and answers it in ``OwnedLink.domain``; the owner-wide stats filter on it, so a
name written any way a browser accepts must come to that same form first.
"""

from __future__ import annotations

import re
from typing import Final

from hop_analytics.errors import InvalidDomainError
from hop_contracts import DOMAIN_NAME_MAX_LENGTH, idna_to_ascii

__all__ = ["canonical_domain"]

_LABEL: Final = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def canonical_domain(text: str) -> str:
    """Return ``text`` as a canonical domain name, or raise `InvalidDomainError`."""
    name = text.strip().rstrip(".").lower()
    if not name.isascii():
        try:
            name = idna_to_ascii(name)
        except UnicodeError:
            raise InvalidDomainError(text, "it is not a valid internationalised name") from None
    if not name or len(name) > DOMAIN_NAME_MAX_LENGTH:
        raise InvalidDomainError(text, f"a name has 1 to {DOMAIN_NAME_MAX_LENGTH} characters")
    if not all(_LABEL.match(label) for label in name.split(".")):
        raise InvalidDomainError(
            text, "each label is 1 to 63 letters, digits or inner hyphens (no port, no path)"
        )
    return name
