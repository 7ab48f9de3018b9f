"""Branded domains on the Ingress and the HTTPRoute (global.domains, exposure.domains)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from hop_chart_helpers import CHARTS, WITH_CRDS, Render, of_kind, run_helm

Obj = dict[str, Any]
SCHEMAS = Path(__file__).parent / "schemas"
DOMAINS = ("--set", "global.domains={go.acme.com,links.beta.io}")
ISSUER = ("--set", "exposure.tls.issuer=letsencrypt")
TRAEFIK = ("--api-versions", "traefik.io/v1alpha1/Middleware")
GATEWAY = ("--set", "exposure.kind=httproute", *WITH_CRDS)
CERT_MANAGER = ("--api-versions", "cert-manager.io/v1/Certificate")
DOMAIN_ROUTES = {"/.well-known/hop-challenge": "hop-links", "/": "hop-redirect"}


def _rules(ingress: Obj) -> dict[str | None, dict[str, str]]:
    """Return an Ingress' rules: host (None: any host) -> path -> Service."""
    return {
        rule.get("host"): {
            p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]
        }
        for rule in ingress["spec"]["rules"]
    }


def _route_paths(route: Obj) -> dict[str, str]:
    """Return an HTTPRoute's forwarding rules: path prefix -> Service."""
    return {
        rule["matches"][0]["path"]["value"]: rule["backendRefs"][0]["name"]
        for rule in route["spec"]["rules"]
        if "backendRefs" in rule
    }


def test_no_domains_render_only_the_host(render: Render) -> None:
    objects = render(*TRAEFIK)
    for ingress in of_kind(objects, "Ingress").values():
        assert set(_rules(ingress)) == {"hop.example.com"}
    gateway = render(*GATEWAY, *CERT_MANAGER, *ISSUER)
    assert set(of_kind(gateway, "HTTPRoute")) == {"hop", "hop-redirect-https"}
    assert of_kind(gateway, "Certificate") == {}


def test_domains_route_only_short_links_and_the_challenge(render: Render) -> None:
    ingress = of_kind(render(*DOMAINS), "Ingress")["hop"]
    rules = _rules(ingress)
    assert rules["go.acme.com"] == DOMAIN_ROUTES
    assert rules["links.beta.io"] == DOMAIN_ROUTES
    assert "/api/v1/links" in rules["hop.example.com"]
    assert "/console" in rules["hop.example.com"]
    kubernetes_validate.validate(ingress, "1.33.0", strict=True)


def test_domains_each_get_a_certificate_through_the_issuer(render: Render) -> None:
    ingress = of_kind(render(*DOMAINS, *ISSUER), "Ingress")["hop"]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert ingress["spec"]["tls"] == [
        {"hosts": ["hop.example.com"], "secretName": "hop-tls"},
        {"hosts": ["go.acme.com"], "secretName": "hop-domain-go-acme-com-tls"},
        {"hosts": ["links.beta.io"], "secretName": "hop-domain-links-beta-io-tls"},
    ]


def test_plain_http_keeps_the_challenge_and_redirects_the_rest(render: Render) -> None:
    ingresses = of_kind(render(*DOMAINS, *TRAEFIK), "Ingress")
    challenge = {"/.well-known/hop-challenge": "hop-links"}
    assert _rules(ingresses["hop-well-known-http"]) == {
        "hop.example.com": challenge,
        "go.acme.com": challenge,
        "links.beta.io": challenge,
    }
    redirected = _rules(ingresses["hop-redirect-https"])
    assert redirected["go.acme.com"] == {"/": "hop-redirect"}
    assert all("/.well-known/hop-challenge" not in paths for paths in redirected.values())


@pytest.mark.parametrize(
    "args",
    [(), TRAEFIK, GATEWAY, (*GATEWAY, *CERT_MANAGER, *ISSUER), ("--set", "global.https=false")],
)
def test_no_route_ever_claims_the_acme_challenge(render: Render, args: tuple[str, ...]) -> None:
    objects = render(*DOMAINS, "--set", "exposure.domains.catchAll=true", *args)
    paths = [
        p["path"]
        for i in of_kind(objects, "Ingress").values()
        for r in i["spec"]["rules"]
        for p in r["http"]["paths"]
    ]
    paths += [r["matches"][0]["path"]["value"] for route in of_kind(objects, "HTTPRoute").values()
              for r in route["spec"]["rules"] if "matches" in r]  # fmt: skip
    assert paths
    assert not [p for p in paths if p.startswith("/.well-known/acme-challenge")]


def test_catch_all_routes_any_host_to_redirect(render: Render) -> None:
    objects = render("--set", "exposure.domains.catchAll=true")
    assert _rules(of_kind(objects, "Ingress")["hop"])[None] == DOMAIN_ROUTES
    route = of_kind(render(*GATEWAY, "--set", "exposure.domains.catchAll=true"),
                    "HTTPRoute")["hop-domains"]  # fmt: skip
    assert "hostnames" not in route["spec"]
    assert _route_paths(route) == DOMAIN_ROUTES


def test_gateway_domains_route_and_one_certificate_per_domain(render: Render) -> None:
    objects = render(*DOMAINS, *GATEWAY, *CERT_MANAGER, *ISSUER)
    routes = of_kind(objects, "HTTPRoute")
    domains = routes["hop-domains"]
    assert domains["spec"]["hostnames"] == ["go.acme.com", "links.beta.io"]
    assert domains["spec"]["parentRefs"] == [{"name": "hop", "sectionName": "https"}]
    assert _route_paths(domains) == DOMAIN_ROUTES
    plain = routes["hop-redirect-https"]["spec"]
    assert plain["hostnames"] == ["hop.example.com", "go.acme.com", "links.beta.io"]
    assert _route_paths(routes["hop-redirect-https"]) == {"/.well-known/hop-challenge": "hop-links"}
    schema = json.loads((SCHEMAS / "httproute-gateway-v1.json").read_text())
    for route in routes.values():
        jsonschema.validate(route, schema)
    certificates = of_kind(objects, "Certificate")
    assert {name: c["spec"] for name, c in certificates.items()} == {
        f"hop-domain-{slug}-tls": {
            "secretName": f"hop-domain-{slug}-tls",
            "dnsNames": [name],
            "issuerRef": {
                "name": "letsencrypt",
                "kind": "ClusterIssuer",
                "group": "cert-manager.io",
            },
        }
        for name, slug in (("go.acme.com", "go-acme-com"), ("links.beta.io", "links-beta-io"))
    }


def test_gateway_listeners_of_the_domains_are_a_value(render: Render) -> None:
    listeners = ("--set", "exposure.domains.gatewayListeners={acme,beta}")
    route = of_kind(render(*DOMAINS, *GATEWAY, *listeners), "HTTPRoute")["hop-domains"]
    assert [p["sectionName"] for p in route["spec"]["parentRefs"]] == ["acme", "beta"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--set", "global.domains={Go_Acme}"), "/global/domains/0"),
        (("--set", "global.domains={a.io,a.io}"), "/global/domains"),
        (
            ("--set", "global.domains={hop.example.com}"),
            'global.domains lists "hop.example.com", which is global.host',
        ),
        (
            (*DOMAINS, *GATEWAY, *ISSUER),
            "global.domains with exposure.tls.issuer renders a cert-manager Certificate",
        ),
        (("--set", "exposure.domains.catchall=true"), "additional properties 'catchall'"),
    ],
)
def test_bad_domain_values_fail_naming_the_key(
    helm: Path, args: tuple[str, ...], message: str
) -> None:
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "-n", "hop", *args)
    assert done.returncode != 0
    assert message in done.stderr


def test_notes_list_the_domains_and_their_secrets(helm: Path) -> None:
    done = run_helm(helm, "install", "hop", str(CHARTS / "hop"), "--dry-run=client", *DOMAINS)
    notes = done.stdout.split("NOTES:", 1)[1]
    assert "go.acme.com (certificate in Secret hop-domain-go-acme-com-tls)" in notes
    assert (
        "Branded domains"
        not in run_helm(
            helm, "install", "hop", str(CHARTS / "hop"), "--dry-run=client"
        ).stdout.split("NOTES:", 1)[1]
    )
