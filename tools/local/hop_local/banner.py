"""The banner `make run` prints once everything answers: ports, the API key, curl to try."""

from __future__ import annotations

from hop_local.stack import SERVICES, Stack

__all__ = ["banner"]


def banner(stack: Stack, *, key: str, new_key: bool, storage: str) -> str:
    """Return the banner text (the key on a line of its own, ready for `eval`/copy-paste)."""
    edge = stack.edge_url
    rows = [f"  {'edge':<10} {edge:<24} (the public routes of charts/hop/values.yaml)"]
    for service in SERVICES:
        rows.append(
            f"  {service:<10} {stack.api_url(service):<24} "
            f"management {stack.management_url(service)} (/livez /readyz /metrics)"
        )
    made = "created for owner 'dev'" if new_key else "of owner 'dev', reused"
    auth = '-H "Authorization: Bearer $HOP_API_KEY"'
    return "\n".join(
        [
            "",
            "=" * 78,
            f"hop is running on {edge}   (Ctrl-C stops everything)",
            "",
            *rows,
            f"  data       {storage}; clicks travel over {stack.click_transport}",
            "",
            f"API key ({made}, kept in {stack.data_dir.name}/):",
            f"export HOP_API_KEY={key}",
            "",
            "Try it:",
            f"  code=$(curl -s -X POST {edge}/api/v1/links {auth} \\",
            "    -H 'Content-Type: application/json' -d '{\"url\": \"https://example.com/\"}' \\",
            "    | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"code\"])')",
            f"  curl -si {edge}/$code            # follow it: 302 to https://example.com/",
            f"  curl -s {edge}/api/v1/stats/$code {auth}",
            f"  open {edge}/console and sign in with the key: links, QR codes, stats",
            "=" * 78,
            "",
        ]
    )
