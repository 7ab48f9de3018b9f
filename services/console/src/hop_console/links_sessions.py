"""links' console sessions (`hop_contracts.SESSIONS_PATH`, on links' internal port).

Signing in exchanges the owner's API key for a session token; the sessions page lists the
owner's sessions and ends one; signing out ends the browser's own. The key is sent once,
to open the session, and never kept.
"""

from __future__ import annotations

import re
from typing import Final

import httpx
from prometheus_client import Counter

from hop_console.peers import Caller, _Peer
from hop_contracts import SESSION_PATH, SESSIONS_PATH, NewSession, SessionList, SessionRequest

__all__ = ["SessionsApi", "browser_label"]

_BROWSERS: Final = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                    ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS: Final = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
                   ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))  # fmt: skip
_PRINTABLE: Final = re.compile(r"[^\x20-\x7e]")


def browser_label(user_agent: str) -> str:
    """Return a short name of the browser a session is opened from ("Firefox on Linux")."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or _PRINTABLE.sub("", user_agent)[:40] or "Unknown browser"


class SessionsApi(_Peer):
    """links' session routes, on its internal port."""

    probe_path = SESSIONS_PATH

    def __init__(self, client: httpx.AsyncClient, failures: Counter) -> None:
        super().__init__("links", client, failures)

    async def open(self, signing_in: Caller, *, label: str, max_age: int) -> NewSession:
        """Exchange the API key ``signing_in`` carries for a session lasting ``max_age`` s."""
        body = SessionRequest(label=label[:100], max_age=max_age).model_dump()
        response = await self.call("POST", SESSIONS_PATH, signing_in, json=body)
        session: NewSession = self.parse(response, NewSession)
        return session

    async def list(self, caller: Caller) -> SessionList:
        """Return the owner's live sessions, newest first, the caller's own marked."""
        sessions: SessionList = self.parse(
            await self.call("GET", SESSIONS_PATH, caller), SessionList
        )
        return sessions

    async def end(self, caller: Caller, session_id: int) -> bool:
        """End one of the owner's sessions; tell whether it was still live."""
        path = SESSION_PATH.format(session_id=session_id)
        response = await self.call("DELETE", path, caller, gone_ok=True)
        return response.status_code != 404
