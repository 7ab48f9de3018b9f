"""Real-looking traffic for hop: a few writers, many readers of popular links, some bots.

Run it with `make load` (headless, against `make run`'s edge), or by hand::

    HOP_API_KEY=... locust -f load/locustfile.py --host http://127.0.0.1:8080

- `Writer` (few): creates links, now and then reads the stats of one of them.
- `Reader` (many): follows links chosen with a Zipf-like law (the k-th most popular
  link is followed about 1/k^s as often), so a few hot links take most clicks while the
  long tail still misses the cache; a share of them are crawlers (``HOP_LOAD_BOT_SHARE``).
- `Analyst` (rare): reads the stats of popular links.

The API key comes from ``HOP_API_KEY`` or from the key `make run` keeps in ``.hop/``.
Before the users start, ``HOP_LOAD_SEED_LINKS`` links (200) are created so readers have
a popular set from the first second, through the batch route: Locust's ``--run-time``
counts from the start, seeding included, so one request per link would eat the run on a
busy machine.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import uuid
from bisect import bisect_left
from collections import Counter
from pathlib import Path
from typing import Any, Final

from locust import HttpUser, between, events, task
from locust.env import Environment

ROOT: Final = Path(__file__).resolve().parents[1]
ZIPF_EXPONENT: Final = float(os.environ.get("HOP_LOAD_ZIPF_S", "1.1"))
BOT_SHARE: Final = float(os.environ.get("HOP_LOAD_BOT_SHARE", "0.15"))
SEED_LINKS: Final = int(os.environ.get("HOP_LOAD_SEED_LINKS", "200"))
BATCH_LIMIT: Final = 1000  # links' batch route creates at most this many links per request
BROWSERS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
)
CRAWLERS: Final = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
)
REFERRERS: Final = (
    None,
    "https://news.ycombinator.com/",
    "https://www.reddit.com/",
    "https://t.co/",
)


def api_key() -> str:
    """Return the API key from ``HOP_API_KEY`` or `make run`'s ``.hop/api-key``."""
    key = os.environ.get("HOP_API_KEY", "").strip()
    kept = ROOT / ".hop" / "api-key"
    if not key and kept.exists():
        key = kept.read_text().strip()
    if not key:
        raise SystemExit("No API key: export HOP_API_KEY=<key> (make run prints one).")
    return key


class PopularLinks:
    """The codes created so far, oldest most popular, drawn with a Zipf-like law."""

    def __init__(self, exponent: float) -> None:
        self._exponent = exponent
        self._codes: list[str] = []
        self._cumulative: list[float] = []
        self._lock = threading.Lock()
        self.follows = Counter[int]()  # by popularity rank (0 = most popular)

    def add(self, code: str) -> None:
        """Add a code at the end of the popularity ranking."""
        with self._lock:
            rank = len(self._codes) + 1
            total = self._cumulative[-1] if self._cumulative else 0.0
            self._codes.append(code)
            self._cumulative.append(total + rank**-self._exponent)

    def pick(self) -> str | None:
        """Return a code, the k-th most popular with probability proportional to 1/k^s."""
        with self._lock:
            if not self._codes:
                return None
            point = random.random() * self._cumulative[-1]
            rank = min(bisect_left(self._cumulative, point), len(self._codes) - 1)
            self.follows[rank] += 1
            return self._codes[rank]

    def summary(self) -> str:
        """Describe how skewed the follows were."""
        total = sum(self.follows.values())
        if not total:
            return "no links followed"
        top = sum(count for rank, count in self.follows.items() if rank < 10)
        return (
            f"{total} follows over {len(self.follows)} of {len(self._codes)} links; "
            f"the 10 most popular took {100 * top / total:.0f}%"
        )


POPULAR = PopularLinks(ZIPF_EXPONENT)
_targets = itertools.count()


def _new_link() -> dict[str, Any]:
    return {"url": f"https://example.com/load/{next(_targets)}/{uuid.uuid4().hex[:8]}"}


@events.test_start.add_listener
def _seed(environment: Environment, **_: Any) -> None:
    """Create the popular set, up to 1,000 links a request, before the users start."""
    import requests  # locust's own HTTP client library

    headers = {"Authorization": f"Bearer {api_key()}"}
    url = f"{environment.host}/api/v1/links:batch"
    with requests.Session() as session:
        for first in range(0, SEED_LINKS, BATCH_LIMIT):
            items = [_new_link() for _ in range(min(BATCH_LIMIT, SEED_LINKS - first))]
            answer = session.post(url, json={"items": items}, headers=headers, timeout=30)
            if answer.status_code != 200 or answer.json()["failed"]:
                raise SystemExit(f"Seeding failed: {answer.status_code} {answer.text[:200]}")
            for result in answer.json()["results"]:
                POPULAR.add(result["link"]["code"])


@events.quitting.add_listener
def _summary(environment: Environment, **_: Any) -> None:
    """Print the shape of the traffic under Locust's own table."""
    print(f"hop load: {POPULAR.summary()}; bot share {BOT_SHARE:.0%} (HOP_LOAD_BOT_SHARE)")


class Reader(HttpUser):
    """Someone following a short link (sometimes a crawler)."""

    weight = 20
    wait_time = between(0.05, 0.5)

    @task
    def follow(self) -> None:
        """Follow a popular link; expect a redirect, never follow it."""
        code = POPULAR.pick()
        if code is None:
            return
        bot = random.random() < BOT_SHARE
        headers = {"User-Agent": random.choice(CRAWLERS if bot else BROWSERS)}
        referrer = random.choice(REFERRERS)
        if referrer:
            headers["Referer"] = referrer
        with self.client.get(
            f"/{code}",
            headers=headers,
            allow_redirects=False,
            name="/{code} (bot)" if bot else "/{code}",
            catch_response=True,
        ) as answer:
            if answer.status_code in (301, 302, 307, 308):
                answer.success()
            else:
                answer.failure(f"expected a redirect, got {answer.status_code}")


class Writer(HttpUser):
    """A client of the API creating links and checking how they do."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        """Authenticate every request with the API key."""
        self.client.headers["Authorization"] = f"Bearer {api_key()}"
        self.mine: list[str] = []

    @task(5)
    def create(self) -> None:
        """Create a link; it joins the end of the popularity ranking."""
        answer = self.client.post("/api/v1/links", json=_new_link(), name="/api/v1/links")
        if answer.status_code == 201:
            code = answer.json()["code"]
            self.mine.append(code)
            POPULAR.add(code)

    @task(1)
    def own_stats(self) -> None:
        """Read the stats of one of this writer's links."""
        if self.mine:
            code = random.choice(self.mine)
            self.client.get(f"/api/v1/stats/{code}", name="/api/v1/stats/{code}")


class Analyst(HttpUser):
    """Someone watching the stats of the popular links."""

    weight = 1
    wait_time = between(2.0, 5.0)

    def on_start(self) -> None:
        """Authenticate every request with the API key."""
        self.client.headers["Authorization"] = f"Bearer {api_key()}"

    @task
    def stats(self) -> None:
        """Read a popular link's stats, bots included now and then."""
        code = POPULAR.pick()
        if code is not None:
            params = {"include_bots": "true"} if random.random() < 0.3 else {}
            self.client.get(f"/api/v1/stats/{code}", params=params, name="/api/v1/stats/{code}")
