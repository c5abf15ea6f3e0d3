"""N-MON, C-WATCH: the shipped alert rules and dashboard use metrics lmb really exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.api.support import Client, Staff, registration

DEPLOY = Path(__file__).parents[3] / "deploy"
OPERATIONS = Path(__file__).parents[3] / "docs" / "operations.md"
#: Added by Prometheus to every scrape target, not by lmb.
BUILT_IN = {"up"}
#: PromQL functions and keywords that look like metric names.
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "delta", "by", "without",
    "histogram_quantile", "clamp_min", "and", "or", "unless", "on", "ignoring",
}  # fmt: skip
IDENTIFIER = re.compile(r"(?<![\w\"'$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*\"([^\"]*)\"")


@pytest.fixture
async def scrape(memory_client: Client, memory_staff: Staff) -> dict[str, set[str]]:
    """Sample names of a scrape of a test app that served some requests, each with the
    label names seen on it (families without samples yet are listed with none)."""
    await memory_staff.register(registration(memory_staff.centre_id))
    await memory_client.get("/api/v1/nothing-here")
    text = (await memory_client.get("/metrics")).text
    exposed: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        exposed.setdefault(family.name, set())
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
        for suffix in suffixes.get(family.type, [""]):
            exposed.setdefault(family.name + suffix, set())
        for sample in family.samples:
            exposed.setdefault(sample.name, set()).update(sample.labels)
    return exposed


def metrics_in(expr: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, label matchers) of every selector in a PromQL expression."""
    found = []
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    for match in IDENTIFIER.finditer(without_strings):
        name = match.group(1)
        if name in PROMQL_WORDS or name.isdigit():
            continue
        # ``by (le, route)`` lists label names, not metrics
        before = without_strings[: match.start()].rstrip()
        if before.endswith(("by (", "by(", "without (", ",")) and "(" in before[-12:]:
            continue
        start = expr.find(name, match.start() - 5 if match.start() >= 5 else 0)
        selector = re.match(rf"{re.escape(name)}\s*(\{{[^}}]*\}})?", expr[start:])
        labels = {k: v for k, _, v in MATCHER.findall(selector.group(1) or "")} if selector else {}
        found.append((name, labels))
    return found


def _alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((DEPLOY / "alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def _check(expr: str, exposed: dict[str, set[str]]) -> set[str]:
    names = set()
    for name, labels in metrics_in(expr):
        if name in BUILT_IN:
            names.add(name)
            continue
        assert name.startswith("lmb_"), (name, expr)
        assert name in exposed, f"{name} is not exposed at /metrics (in {expr!r})"
        if exposed[name]:
            assert set(labels) <= exposed[name] | {"job", "instance"}, (name, labels)
        names.add(name)
    assert names, f"no metric in {expr!r}"
    return names


class TestAlertRules:
    def test_every_rule_is_complete(self) -> None:
        rules = _alert_rules()
        assert len(rules) >= 8
        for rule in rules:
            assert rule["alert"].startswith("Lmb")
            assert rule["labels"]["severity"] in {"P0", "P1", "P2", "P3"}
            assert rule["annotations"]["summary"]
            assert rule["labels"]["runbook"].startswith("docs/operations.md#")

    async def test_every_metric_used_is_exposed(self, scrape: dict[str, set[str]]) -> None:
        used = set()
        for rule in _alert_rules():
            used |= _check(rule["expr"], scrape)
        assert {
            "lmb_outbox_messages",
            "lmb_vcdb_circuit_state",
            "lmb_http_requests_total",
            "lmb_http_request_duration_seconds_bucket",
            "lmb_store_up",
        } <= used

    def test_every_alert_has_a_runbook(self) -> None:
        runbooks = OPERATIONS.read_text(encoding="utf-8").lower()
        for rule in _alert_rules():
            anchor = rule["labels"]["runbook"].split("#", 1)[1]
            assert f"### {anchor}" in runbooks, f"no runbook section for {rule['alert']}"

    async def test_a_metric_that_is_not_exposed_is_caught(
        self, scrape: dict[str, set[str]]
    ) -> None:
        with pytest.raises(AssertionError):
            _check("lmb_no_such_metric > 0", scrape)
        with pytest.raises(AssertionError):
            _check('lmb_outbox_messages{queue="x"} > 0', scrape)


class TestDashboard:
    async def test_every_panel_queries_exposed_metrics(self, scrape: dict[str, set[str]]) -> None:
        used = set()
        for expr in _dashboard_exprs():
            used |= _check(expr, scrape)
        alerting = set()
        for rule in _alert_rules():
            alerting |= {name for name, _ in metrics_in(rule["expr"])} - BUILT_IN
        assert alerting <= used, "every metric that alerts is on the dashboard"

    def test_the_dashboard_is_grafana_json(self) -> None:
        dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
        assert dashboard["uid"] and dashboard["title"]
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)) >= 10
        for panel in dashboard["panels"]:
            assert panel["type"] in {"timeseries", "stat"}
            assert {"h", "w", "x", "y"} <= set(panel["gridPos"])


def test_the_selector_parser() -> None:
    assert metrics_in('sum by (le, route) (rate(lmb_x_bucket{route!="/m"}[5m]))') == [
        ("lmb_x_bucket", {"route": "/m"})
    ]
    assert metrics_in('max(lmb_y{state="open"}) == 1 and up{job="lmb"}') == [
        ("lmb_y", {"state": "open"}),
        ("up", {"job": "lmb"}),
    ]
