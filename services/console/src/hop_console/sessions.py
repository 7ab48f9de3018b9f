"""Sessions kept in one encrypted cookie: links' session token and the CSRF token.

Signing in exchanges the API key for a session links mints (`hop_contracts.SESSIONS_PATH`):
the cookie holds that session's token and id, never the key. The cookie is a Fernet token
(AES-128-CBC + HMAC-SHA256, with its issue time) of ``{"csrf", "token", "sid"}``; it is
HttpOnly, Secure and SameSite=Strict, scoped to the console's path. A visitor who has not
signed in gets a session with a CSRF token only, so the sign-in form is protected too.
links keeps the session: signing out ends it there, so every copy of the cookie stops
working at once, as it does when the owner ends it from another browser, an operator ends
the owner's sessions, or the key is revoked; the cookie still lapses after
``session_max_age``.
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
    #: links' session token (``hops_...``) once signed in.
    token: str | None = None
    #: links' id of that session (what signing out ends).
    sid: int | None = None

    @classmethod
    def anonymous(cls) -> Session:
        """Return a fresh session that has not signed in."""
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, token: str, sid: int) -> Session:
        """Return this session holding links' session ``token``, with a new CSRF token."""
        return Session(csrf=secrets.token_urlsafe(32), token=token, sid=sid)

    @property
    def is_signed_in(self) -> bool:
        """Tell whether this session holds a session token of links."""
        return self.token is not None and self.sid is not None

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
        data = {"csrf": session.csrf, "token": session.token, "sid": session.sid}
        body = json.dumps(data).encode()
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
        return _session(json.loads(body))

    def _why_not(self, value: str) -> str:
        try:
            self._fernet.decrypt(value.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return SessionState.INVALID
        return SessionState.EXPIRED


def _session(data: object) -> Session | str:
    # A cookie of an older shape (one that held the API key) is no session any more.
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str) or "key" in data:
        return SessionState.INVALID
    token, sid = data.get("token"), data.get("sid")
    if token is None and sid is None:
        return Session(csrf=data["csrf"])
    if not isinstance(token, str) or not isinstance(sid, int):
        return SessionState.INVALID
    return Session(csrf=data["csrf"], token=token, sid=sid)
