"""The Jinja2 environment and the one function that renders a page with its context.

Every page gets the base path, the session's CSRF token (for its forms) and whether the
visitor is signed in; autoescaping is on for every template.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from hop_console.charts import clicks_chart
from hop_console.forms import REDIRECT_STATUSES
from hop_console.models import BREAKDOWNS
from hop_console.paths import link_path
from hop_console.sessions import Session

__all__ = ["Pages"]


class Pages:
    """Render the console's templates into HTML responses."""

    def __init__(self, base_path: str) -> None:
        self.base_path = base_path
        self._env = Environment(
            loader=PackageLoader("hop_console", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.globals.update(
            base=base_path,
            breakdowns=BREAKDOWNS,
            redirect_statuses=REDIRECT_STATUSES,
            clicks_chart=clicks_chart,
            link_path=link_path,
        )

    def render(
        self, template: str, session: Session | None, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        """Return ``template`` rendered for ``session`` with ``status``."""
        html = self._env.get_template(template).render(
            csrf=session.csrf if session is not None else "",
            signed_in=session is not None and session.is_signed_in,
            **context,
        )
        return HTMLResponse(html, status_code=status)
