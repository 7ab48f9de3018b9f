"""Sessions kept in one encrypted cookie: the API key and the CSRF token, never in a page.

The cookie is a Fernet token (AES-128-CBC + HMAC-SHA256, with its issue time) of
``{"key": ..., "csrf": ...}``; it is HttpOnly, Secure and SameSite=Strict, scoped to the
console's path. A visitor who has not signed in gets a session with a CSRF token only,
so the sign-in form is protected too. Nothing is stored server-side: signing out clears
the cookie, and a copied cookie stops working after ``session_max_age``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["COOKIE_NAME", "Session", "SessionCodec", "SessionState"]

COOKIE_NAME: Final = "hop_console_session"


@dataclass(slots=True, frozen=True)
class Session:
    """What one browser's cookie holds."""

    csrf: str
    key: str | None = None

    @classmethod
    def anonymous(cls) -> Session:
        """Return a fresh session that has not signed in."""
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, key: str) -> Session:
        """Return this session holding ``key``, with a new CSRF token."""
        return Session(csrf=secrets.token_urlsafe(32), key=key)

    def is_csrf(self, token: str | None) -> bool:
        """Tell whether ``token`` is this session's CSRF token."""
        return token is not None and hmac.compare_digest(token.encode(), self.csrf.encode())


class SessionState:
    """Why a request has no usable session: none sent, expired, or not ours."""

    MISSING = "missing"
    EXPIRED = "expired"
    INVALID = "invalid"


class SessionCodec:
    """Encrypt sessions into cookie values and back, refusing old or tampered ones."""

    def __init__(
        self, secret: str | None, *, max_age: int, clock: Callable[[], float] = time.time
    ) -> None:
        raw = secret.encode() if secret is not None else secrets.token_bytes(32)
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw).digest()))
        self.max_age = max_age
        self.clock = clock

    def dump(self, session: Session) -> str:
        """Return the cookie value of ``session``."""
        body = json.dumps({"csrf": session.csrf, "key": session.key}).encode()
        return self._fernet.encrypt_at_time(body, int(self.clock())).decode("ascii")

    def load(self, value: str | None) -> Session | str:
        """Return the session in a cookie value, or the `SessionState` saying why there is none."""
        if not value:
            return SessionState.MISSING
        try:
            token = value.encode("ascii")
            body = self._fernet.decrypt_at_time(token, self.max_age, int(self.clock()))
        except (InvalidToken, UnicodeEncodeError):
            return self._why_not(value)
        data = json.loads(body)
        return Session(csrf=str(data["csrf"]), key=data["key"])

    def _why_not(self, value: str) -> str:
        try:
            self._fernet.decrypt(value.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return SessionState.INVALID
        return SessionState.EXPIRED
