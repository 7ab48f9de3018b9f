"""The domains pages, the domain picker, and links on a branded domain in every link page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import zxingcpp
from PIL import Image


def _codes(html: str) -> list[str]:
    return re.findall(r'class="code" href="(/console/links/[^"]+)"', html)


async def test_domains_page_lists_each_domain_with_status_reason_and_last_check(
    signed_in: Any,
) -> None:
    signed_in.links.add_domain("alice", "go.acme.com", status="verified",
                               last_checked_at="2026-11-02T09:30:00Z")  # fmt: skip
    signed_in.links.add_domain("alice", "old.acme.com", status="failed",
                               reason="The TXT record is gone.")  # fmt: skip
    signed_in.links.add_domain("bob", "bob.example")
    signed_in.links.add("alice", "spring", "https://example.com/", domain="go.acme.com")

    page = await signed_in.client.get("/console/domains")

    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td><a [^>]+>([^<]+)</a></td>(.*?)</tr>", page.text, re.S)
    assert [name for name, _ in rows] == ["go.acme.com", "old.acme.com"]
    assert 'status-verified">verified' in rows[0][1]
    assert "2026-11-02 09:30" in rows[0][1]
    assert ">1</a></td>" in rows[0][1]
    assert 'status-failed">failed' in rows[1][1]
    assert "The TXT record is gone." in rows[1][1]
    assert "not yet" in rows[1][1]


async def test_add_shows_the_exact_txt_record_and_the_http_alternative(signed_in: Any) -> None:
    added = await signed_in.post("/console/domains", {"name": "Go.Acme.com."})

    assert added.status_code == 303
    assert added.headers["location"] == "/console/domains/go.acme.com?notice=added"
    assert signed_in.links.domain_owner == {"go.acme.com": "alice"}
    page = await signed_in.client.get(added.headers["location"])
    assert "Domain added." in page.text
    assert 'value="_hop-challenge.go.acme.com"' in page.text
    assert 'value="hop-challenge=tok-go-acme-com"' in page.text
    assert "http://go.acme.com/.well-known/hop-challenge/tok-go-acme-com" in page.text
    assert 'status-pending">pending' in page.text


async def test_add_a_taken_or_bad_name_shows_the_form_again_with_links_answer(
    signed_in: Any,
) -> None:
    signed_in.links.add_domain("bob", "taken.example")

    taken = await signed_in.post("/console/domains", {"name": "taken.example"})
    bad = await signed_in.post("/console/domains", {"name": "not a name"})

    assert taken.status_code == 409
    assert "The domain &#39;taken.example&#39; is already taken." in taken.text
    assert 'value="taken.example"' in taken.text
    assert bad.status_code == 422
    assert "is not a domain name" in bad.text
    assert signed_in.links.domain_owner == {"taken.example": "bob"}


async def test_check_now_shows_the_new_state(signed_in: Any) -> None:
    signed_in.links.add_domain("alice", "go.acme.com")
    signed_in.links.add_domain("alice", "nope.acme.com")
    signed_in.links.provable = {"go.acme.com"}

    proved = await signed_in.post("/console/domains/go.acme.com/verify", {})
    unproved = await signed_in.post("/console/domains/nope.acme.com/verify", {})

    assert proved.headers["location"] == "/console/domains/go.acme.com?notice=checked"
    verified = await signed_in.client.get(proved.headers["location"])
    assert 'status-verified">verified' in verified.text
    assert "its links are served" in verified.text
    pending = await signed_in.client.get(unproved.headers["location"])
    assert "No TXT record _hop-challenge.nope.acme.com." in pending.text


async def test_delete_needs_the_ticked_confirmation_that_counts_the_links(
    signed_in: Any,
) -> None:
    signed_in.links.add_domain("alice", "go.acme.com", status="verified")
    signed_in.links.add("alice", "spring", "https://example.com/1", domain="go.acme.com")
    signed_in.links.add("alice", "fall", "https://example.com/2", domain="go.acme.com")
    signed_in.links.add("alice", "spring", "https://example.com/3")

    page = await signed_in.client.get("/console/domains/go.acme.com")
    unconfirmed = await signed_in.post("/console/domains/go.acme.com/delete", {})
    kept = set(signed_in.links.links)
    confirmed = await signed_in.post("/console/domains/go.acme.com/delete", {"confirm": "yes"})

    assert 'data-confirm="Delete go.acme.com and its 2 link(s) for good?"' in page.text
    assert "Also delete its 2 link(s) for good" in page.text
    assert unconfirmed.status_code == 422
    assert "deleting go.acme.com also deletes its 2 link(s) for good" in unconfirmed.text
    assert kept == {"spring", "go.acme.com/spring", "go.acme.com/fall"}
    assert confirmed.headers["location"] == "/console/domains?deleted=go.acme.com&links=2"
    assert set(signed_in.links.links) == {"spring"}
    listed = await signed_in.client.get(confirmed.headers["location"])
    assert "Domain go.acme.com deleted with its 2 link(s)." in listed.text


async def test_another_owners_or_a_malformed_domain_answers_404_on_every_page(
    signed_in: Any,
) -> None:
    signed_in.links.add_domain("bob", "bob.example")
    token = await signed_in.csrf("/console/domains")

    pages = [
        await signed_in.client.get("/console/domains/bob.example"),
        await signed_in.client.post("/console/domains/bob.example/verify", data={"csrf": token}),
        await signed_in.client.post(
            "/console/domains/bob.example/delete", data={"csrf": token, "confirm": "yes"}
        ),
        await signed_in.client.get("/console/domains/Bad%20Name"),
    ]

    assert [page.status_code for page in pages] == [404] * 4
    assert "You have no domain &#39;bob.example&#39;." in pages[0].text
    assert signed_in.links.domain_owner == {"bob.example": "bob"}


async def test_domain_forms_without_the_csrf_token_are_refused(signed_in: Any) -> None:
    signed_in.links.add_domain("alice", "go.acme.com")

    add = await signed_in.client.post("/console/domains", data={"name": "x.acme.com"})
    delete = await signed_in.client.post(
        "/console/domains/go.acme.com/delete", data={"confirm": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert signed_in.links.domain_owner == {"go.acme.com": "alice"}


async def test_create_form_picks_a_domain_and_the_link_lives_on_it(signed_in: Any) -> None:
    signed_in.links.add_domain("alice", "go.acme.com", status="verified")
    signed_in.links.add_domain("alice", "new.acme.com")
    signed_in.links.add("alice", "spring", "https://example.com/platform")

    form = await signed_in.client.get("/console/links/new", params={"domain": "go.acme.com"})
    created = await signed_in.post(
        "/console/links",
        {"url": "https://example.com/branded", "code": "spring", "redirect_status": "302",
         "domain": "go.acme.com"},
    )  # fmt: skip

    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', form.text)
    assert [(v, s, t.strip()) for v, s, t in options if not v.isdigit()] == [
        ("", "", "The platform's domain"),
        ("go.acme.com", " selected", "go.acme.com"),
        ("new.acme.com", "", "new.acme.com (pending: served once verified)"),
    ]
    assert created.headers["location"] == "/console/links/spring?domain=go.acme.com&created=true"
    assert signed_in.links.links["go.acme.com/spring"]["url"] == "https://example.com/branded"
    assert signed_in.links.links["spring"]["url"] == "https://example.com/platform"
    page = await signed_in.client.get(created.headers["location"])
    assert 'value="https://go.acme.com/spring"' in page.text
    assert 'action="/console/links/spring?domain=go.acme.com"' in page.text


async def test_without_domains_the_form_offers_to_add_one(signed_in: Any) -> None:
    form = await signed_in.client.get("/console/links/new")

    assert 'name="domain"' not in form.text
    assert 'href="/console/domains">Add your own domain</a>' in form.text


async def test_same_code_on_two_domains_each_page_acts_on_its_own_link(signed_in: Any) -> None:
    signed_in.links.add_domain("alice", "go.acme.com", status="verified")
    signed_in.links.add("alice", "spring", "https://example.com/platform")
    signed_in.links.add("alice", "spring", "https://example.com/branded", domain="go.acme.com")

    listed = await signed_in.client.get("/console/links")
    filtered = await signed_in.client.get("/console/links", params={"domain": "go.acme.com"})
    branded = await signed_in.client.get("/console/links/spring", params={"domain": "go.acme.com"})
    edited = await signed_in.post(
        "/console/links/spring?domain=go.acme.com",
        {"url": "https://example.com/edited", "redirect_status": "302"},
    )
    disabled = await signed_in.post(
        "/console/links/spring/disable?domain=go.acme.com", {"disabled": "true"}
    )

    assert _codes(listed.text) == [
        "/console/links/spring?domain=go.acme.com",
        "/console/links/spring",
    ]
    assert _codes(filtered.text) == ["/console/links/spring?domain=go.acme.com"]
    assert "https://example.com/branded" in branded.text
    assert edited.headers["location"] == "/console/links/spring?domain=go.acme.com&saved=true"
    assert disabled.status_code == 303
    assert signed_in.links.links["go.acme.com/spring"]["url"] == "https://example.com/edited"
    assert signed_in.links.links["go.acme.com/spring"]["disabled"] is True
    assert signed_in.links.links["spring"]["url"] == "https://example.com/platform"
    assert signed_in.links.links["spring"]["disabled"] is False


async def test_branded_qr_code_copy_button_and_stats_use_the_domain(signed_in: Any) -> None:
    signed_in.links.add_domain("alice", "go.acme.com", status="verified")
    signed_in.links.add("alice", "spring", "https://example.com/", domain="go.acme.com")
    on = {"domain": "go.acme.com"}

    page = await signed_in.client.get("/console/links/spring", params=on)
    png = await signed_in.client.get("/console/links/spring/qr.png", params=on)
    stats = await signed_in.client.get("/console/links/spring/stats", params=on)
    platform = await signed_in.client.get("/console/links/spring/qr.png")

    assert 'id="short" class="short" type="text" readonly value="https://go.acme.com/spring"' in (
        page.text
    )
    assert 'src="/console/links/spring/qr.svg?domain=go.acme.com"' in page.text
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [result.text for result in decoded] == ["https://go.acme.com/spring"]
    assert stats.status_code == 200
    assert 'name="domain" value="go.acme.com"' in stats.text
    assert platform.status_code == 404


async def test_overview_adds_clicks_up_by_domain_and_links_each_to_its_stats(
    signed_in: Any,
) -> None:
    signed_in.links.add_domain("alice", "go.acme.com", status="verified")
    signed_in.links.add("alice", "spring", "https://example.com/p")
    signed_in.links.add("alice", "spring", "https://example.com/b", domain="go.acme.com")
    today = datetime.now(UTC).date()
    signed_in.stats.clicks = {"spring": {today: (2, 0)}, "go.acme.com/spring": {today: (5, 1)}}

    page = await signed_in.client.get("/console/overview")
    branded = await signed_in.client.get(
        "/console/links/spring/stats", params={"domain": "go.acme.com"}
    )

    rows = re.findall(r"<tr><td>([a-z][^<]*)</td>((?:<td class=\"num\">\d+</td>)+)</tr>", page.text)
    assert [(name, re.findall(r"\d+", cells)) for name, cells in rows] == [
        ("go.acme.com", ["1", "5", "1"]),
        ("console.test", ["1", "2", "0"]),
    ]
    assert "/console/links/spring/stats?domain=go.acme.com&amp;from=" in page.text
    assert 'id="total-clicks">5<' in branded.text
