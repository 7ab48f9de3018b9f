"""`helm upgrade` runs the migration hook Jobs and rolls the pods; `helm rollback` restores.

Runs last (file order): it restarts redirect's pods twice.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter

import pytest
from hop_cluster import ROOT, SERVICES, Cluster, eventually


def _migration_runs(cluster: Cluster, service: str) -> set[str]:
    """UIDs of the migration Jobs ever created (the Jobs delete themselves when they succeed)."""
    events = json.loads(
        cluster.kubectl_ok(
            "get",
            "events",
            "--field-selector",
            f"involvedObject.kind=Job,involvedObject.name={cluster.name(service)}-migrate",
            "--output",
            "json",
        )
    )
    return {
        event["involvedObject"]["uid"]
        for event in events["items"]
        if event["reason"] in {"SuccessfulCreate", "Completed"}
    }


def _new_migration_runs(cluster: Cluster, service: str, before: set[str]) -> set[str]:
    """The migration Jobs created since ``before`` (events arrive shortly after the fact)."""
    after = eventually(lambda: _migration_runs(cluster, service), lambda runs: runs > before)
    return after - before


def _log_level(cluster: Cluster) -> str:
    return cluster.kubectl_ok(
        "get",
        f"configmap/{cluster.name('redirect')}",
        "--output",
        "jsonpath={.data.HOP_LOG_LEVEL}",
    )


def _follows(cluster: Cluster, code: str, target: str) -> bool:
    with cluster.client() as client:
        answer = client.get(f"/{code}")
    return answer.status_code == 302 and answer.headers.get("location") == target


def _history(cluster: Cluster) -> list[dict[str, object]]:
    done = cluster.helm_run("history", cluster.release, "--output", "json")
    assert done.returncode == 0, done.stderr
    history: list[dict[str, object]] = json.loads(done.stdout)
    return history


@pytest.mark.timeout(900)
def test_upgrade_migrates_and_rollback_restores_release(
    cluster: Cluster, auth: dict[str, str]
) -> None:
    target = f"https://example.com/cluster/upgrade/{uuid.uuid4().hex}"
    with cluster.client() as client:
        made = client.post("/api/v1/links", json={"url": target}, headers=auth)
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    before = {service: _migration_runs(cluster, service) for service in ("links", "analytics")}
    installed = _history(cluster)[-1]["revision"]
    level = _log_level(cluster)

    upgrade = cluster.helm_run(
        "upgrade",
        cluster.release,
        str(ROOT / "charts" / "hop"),
        "--reuse-values",
        "--set",
        "redirect.settings.logLevel=WARNING",
        "--wait",
        "--timeout",
        "5m",
    )
    assert upgrade.returncode == 0, upgrade.stderr
    for service, runs in before.items():
        assert len(_new_migration_runs(cluster, service, runs)) == 1, service
    assert _log_level(cluster) == "WARNING"
    assert eventually(lambda: _follows(cluster, code, target), bool)

    rollback = cluster.helm_run("rollback", cluster.release, str(installed), "--wait")
    assert rollback.returncode == 0, rollback.stderr
    last = _history(cluster)[-1]
    assert (last["status"], last["description"]) == ("deployed", f"Rollback to {installed}")
    assert _log_level(cluster) == level
    cluster.wait_for_rollout("redirect")
    assert eventually(lambda: _follows(cluster, code, target), bool)


@pytest.mark.timeout(900)
def test_upgrade_under_light_load_fails_no_request(cluster: Cluster, auth: dict[str, str]) -> None:
    """Every pod is replaced (a changed pod annotation) while a client follows a link."""
    target = f"https://example.com/cluster/rolling/{uuid.uuid4().hex}"
    with cluster.client() as client:
        made = client.post("/api/v1/links", json={"url": target}, headers=auth)
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    answers: Counter[int | str] = Counter()
    stop = threading.Event()

    def follow() -> None:
        with cluster.client() as client:
            while not stop.is_set():
                try:
                    answers[client.get(f"/{code}").status_code] += 1
                except Exception as err:
                    answers[type(err).__name__] += 1
                stop.wait(0.05)

    load = threading.Thread(target=follow)
    load.start()
    try:
        upgrade = cluster.helm_run(
            "upgrade",
            cluster.release,
            str(ROOT / "charts" / "hop"),
            "--reuse-values",
            *(
                arg
                for service in SERVICES
                for arg in ("--set", f"{service}.podAnnotations.hop/rolled={uuid.uuid4().hex}")
            ),
            "--wait",
            "--timeout",
            "5m",
        )
        assert upgrade.returncode == 0, upgrade.stderr
        for service in SERVICES:
            cluster.wait_for_rollout(service)
    finally:
        stop.set()
        load.join(timeout=30)
    assert sum(answers.values()) > 50
    assert dict(answers) == {302: sum(answers.values())}


def test_helm_test_smoke_test_passes(cluster: Cluster) -> None:
    done = cluster.helm_run("test", cluster.release, "--timeout", "3m")
    assert done.returncode == 0, done.stdout + done.stderr
