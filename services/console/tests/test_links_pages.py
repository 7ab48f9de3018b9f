"""The links pages: list, search by tag, pages, create, edit, disable, delete, QR codes."""

from __future__ import annotations

import io
import re
from typing import Any

import zxingcpp
from PIL import Image


async def test_create_form_creates_the_link_and_shows_it(signed_in: Any) -> None:
    response = await signed_in.post(
        "/console/links",
        {
            "url": "https://example.com/spring",
            "code": "spring",
            "redirect_status": "307",
            "expires_at": "2030-01-31T18:00",
            "tags": "print, campaign:spring,print",
            "forward_query": "on",
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/console/links/spring?created=true"
    stored = signed_in.links.links["spring"]
    assert stored["redirect_status"] == 307
    assert stored["forward_query"] is True
    assert stored["expires_at"] == "2030-01-31T18:00:00+00:00"
    assert stored["tags"] == ["campaign:spring", "print"]
    assert signed_in.links.owner_of["spring"] == "alice"
    page = await signed_in.client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Link created." in page.text
    assert 'value="https://console.test/spring"' in page.text


async def test_create_with_a_taken_alias_shows_the_form_again_with_409(signed_in: Any) -> None:
    signed_in.links.add("bob", "taken", "https://example.com/")

    response = await signed_in.post(
        "/console/links",
        {"url": "https://example.com/mine", "code": "taken", "redirect_status": "302"},
    )

    assert response.status_code == 409
    assert "The code &#39;taken&#39; is already taken." in response.text
    assert 'value="https://example.com/mine"' in response.text


async def test_create_with_a_bad_url_or_expiry_or_status_answers_422(signed_in: Any) -> None:
    bad_url = await signed_in.post("/console/links", {"url": "ftp://x", "redirect_status": "302"})
    bad_expiry = await signed_in.post(
        "/console/links",
        {"url": "https://example.com/", "redirect_status": "302", "expires_at": "tomorrow"},
    )
    bad_status = await signed_in.post(
        "/console/links", {"url": "https://example.com/", "redirect_status": "200"}
    )

    assert bad_url.status_code == 422
    assert "must be an absolute http(s) URL" in bad_url.text
    assert bad_expiry.status_code == 422
    assert "is not a date and time" in bad_expiry.text
    assert bad_status.status_code == 422
    assert "Redirect status &#39;200&#39; is not one of 302, 307, 301, 308." in bad_status.text
    assert signed_in.links.links == {}


async def test_list_shows_only_the_owners_links_newest_first(signed_in: Any) -> None:
    signed_in.links.add("alice", "older", "https://example.com/1")
    signed_in.links.add("bob", "bobs", "https://example.com/bob")
    signed_in.links.add("alice", "newer", "https://example.com/2")

    page = await signed_in.client.get("/console/links")

    assert page.status_code == 200
    codes = re.findall(r'class="code" href="/console/links/([^"]+)"', page.text)
    assert codes == ["newer", "older"]


async def test_list_searches_by_tag_and_pages_with_the_cursor(make_console: Any) -> None:
    async with make_console(page_size=2) as console:
        await console.sign_in()
        for index in range(5):
            console.links.add("alice", f"l{index}", "https://example.com/", tags=["x"])
        console.links.add("alice", "untagged", "https://example.com/")

        first = await console.client.get("/console/links", params={"tag": "x"})
        codes = re.findall(r'class="code" href="/console/links/([^"]+)"', first.text)
        next_href = re.search(r'href="([^"]+)" rel="next"', first.text)

        assert codes == ["l4", "l3"]
        assert next_href is not None
        second = await console.client.get(next_href.group(1).replace("&amp;", "&"))
        assert re.findall(r'class="code" href="/console/links/([^"]+)"', second.text) == [
            "l2",
            "l1",
        ]
        assert "First page" in second.text


async def test_another_owners_link_answers_404_on_every_page(signed_in: Any) -> None:
    signed_in.links.add("bob", "bobs", "https://example.com/bob")
    token = await signed_in.csrf("/console/links")

    pages = [
        await signed_in.client.get("/console/links/bobs"),
        await signed_in.client.get("/console/links/bobs/stats"),
        await signed_in.client.get("/console/links/bobs/stats.csv"),
        await signed_in.client.get("/console/links/bobs/qr.png"),
        await signed_in.client.get("/console/links/bobs/qr.svg"),
        await signed_in.client.post("/console/links/bobs/delete", data={"csrf": token}),
        await signed_in.client.post(
            "/console/links/bobs/disable", data={"csrf": token, "disabled": "true"}
        ),
        await signed_in.client.post(
            "/console/links/bobs",
            data={"csrf": token, "url": "https://example.com/mine", "redirect_status": "302"},
        ),
    ]

    assert [page.status_code for page in pages] == [404] * 8
    for page in pages:
        assert "You have no link with the code &#39;bobs&#39;." in page.text
    assert signed_in.links.links["bobs"]["url"] == "https://example.com/bob"
    assert signed_in.links.links["bobs"]["disabled"] is False


async def test_edit_changes_the_link_and_an_empty_expiry_removes_it(signed_in: Any) -> None:
    signed_in.links.add("alice", "edit", "https://example.com/", expires_at="2030-01-01T00:00:00Z")

    response = await signed_in.post(
        "/console/links/edit",
        {"url": "https://example.com/new", "redirect_status": "301", "tags": "a", "expires_at": ""},
    )

    assert response.status_code == 303
    link = signed_in.links.links["edit"]
    assert (link["url"], link["redirect_status"], link["tags"]) == (
        "https://example.com/new",
        301,
        ["a"],
    )
    assert link["expires_at"] is None
    assert link["forward_query"] is False


async def test_edit_refused_by_links_shows_the_page_again_with_422(signed_in: Any) -> None:
    signed_in.links.add("alice", "edit", "https://example.com/")

    response = await signed_in.post(
        "/console/links/edit", {"url": "nope", "redirect_status": "302"}
    )

    assert response.status_code == 422
    assert "must be an absolute http(s) URL" in response.text


async def test_disable_then_enable(signed_in: Any) -> None:
    signed_in.links.add("alice", "onoff", "https://example.com/")

    await signed_in.post("/console/links/onoff/disable", {"disabled": "true"})
    assert signed_in.links.links["onoff"]["disabled"] is True
    page = await signed_in.client.get("/console/links/onoff")
    assert "Enable link" in page.text
    await signed_in.post("/console/links/onoff/disable", {"disabled": "false"})
    assert signed_in.links.links["onoff"]["disabled"] is False


async def test_delete_removes_the_link_and_says_so(signed_in: Any) -> None:
    signed_in.links.add("alice", "gone", "https://example.com/")

    response = await signed_in.post("/console/links/gone/delete", {})

    assert response.headers["location"] == "/console/links?deleted=gone"
    assert "gone" not in signed_in.links.links
    assert "Link gone deleted." in (await signed_in.client.get(response.headers["location"])).text


async def test_qr_codes_decode_to_the_short_url(signed_in: Any) -> None:
    signed_in.links.add("alice", "qr", "https://example.com/")

    png = await signed_in.client.get("/console/links/qr/qr.png", params={"download": "true"})
    svg = await signed_in.client.get("/console/links/qr/qr.svg")

    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="hop-qr.png"'
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [result.text for result in decoded] == ["https://console.test/qr"]
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")


async def test_an_unknown_qr_format_or_bad_code_answers_404(signed_in: Any) -> None:
    signed_in.links.add("alice", "qr", "https://example.com/")

    assert (await signed_in.client.get("/console/links/qr/qr.gif")).status_code == 404
    assert (await signed_in.client.get("/console/links/bad%20code")).status_code == 404
