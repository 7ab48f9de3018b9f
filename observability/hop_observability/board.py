"""Turn dashboard specs into Grafana dashboard JSON with grafana-foundation-sdk.

Every dashboard has the ``datasource`` (Prometheus) and ``namespace`` variables; those whose
panels read service metrics also ``service`` (the scrape jobs of its hop services) and
``pod``. The SLO dashboard reads the per-namespace recording rules, so it has neither.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any, Final

from hop_observability import metrics as m
from hop_observability.panels import Panel
from hop_observability.promql import job_matcher, select
from hop_observability.rules.alerts import RUNBOOKS_URL

with warnings.catch_warnings():
    # Importing the SDK warns that dashboard schema v2 is preferred; hop ships v1 on purpose:
    # the Grafana sidecar and file provisioning load it on every Grafana version.
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import dashboard as gd
    from grafana_foundation_sdk.builders import prometheus, stat, timeseries
    from grafana_foundation_sdk.builders.common import (
        GraphThresholdsStyleConfig,
        StackingConfig,
        VizLegendOptions,
    )
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models.dashboard import (
        DashboardCursorSync,
        DashboardLinkType,
        DataSourceRef,
        Threshold,
        ThresholdsMode,
        VariableRefresh,
        VariableSort,
    )

__all__ = ["Board", "Row", "render"]

DATASOURCE: Final = DataSourceRef(type_val="prometheus", uid="${datasource}")
ROW_WIDTH: Final = 24
PANEL_HEIGHT: Final = 8


@dataclass(frozen=True, slots=True)
class Row:
    """A titled row of panels."""

    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True, slots=True)
class Board:
    """A dashboard: title, uid, the services its ``service`` variable offers, its rows."""

    title: str
    uid: str
    description: str
    services: tuple[str, ...]
    rows: tuple[Row, ...]
    #: Offer the ``service`` and ``pod`` variables (the SLOs are per namespace: no).
    scoped: bool = True

    @property
    def panels(self) -> tuple[Panel, ...]:
        """Return every panel, row by row."""
        return tuple(panel for row in self.rows for panel in row.panels)


def render(board: Board) -> str:
    """Return the dashboard's JSON, stable from one run to the next."""
    built = _dashboard(board).build()
    body: dict[str, Any] = json.loads(JSONEncoder(sort_keys=True).encode(built))
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _dashboard(board: Board) -> gd.Dashboard:
    builder = (
        gd.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags(["hop", "generated"])
        .editable()
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .time("now-6h", "now")
        .refresh("30s")
        .timezone("browser")
        .link(
            gd.DashboardLink("hop")
            .type(DashboardLinkType.DASHBOARDS)
            .tags(["hop"])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
    )
    for variable in _variables(board):
        builder = builder.with_variable(variable)
    for row in board.rows:
        builder = builder.with_row(gd.Row(row.title))
        for panel in row.panels:
            builder = builder.with_panel(_panel(panel))
    return builder


def _variables(board: Board) -> list[Any]:
    jobs = "|".join(board.services)
    services = select(m.BUILD_INFO, ('namespace=~"$namespace"', job_matcher(f"({jobs})")))
    variables: list[Any] = [
        gd.DatasourceVariable("datasource").label("Prometheus").type("prometheus"),
        _query_variable("namespace", f"label_values({m.BUILD_INFO}, namespace)", ".*"),
    ]
    if board.scoped:
        pods = select(m.BUILD_INFO, ('namespace=~"$namespace"', 'job=~"$service"'))
        variables.append(_query_variable("service", f"label_values({services}, job)", None))
        variables.append(_query_variable("pod", f"label_values({pods}, pod)", None))
    return variables


def _query_variable(name: str, query: str, all_value: str | None) -> gd.QueryVariable:
    variable = (
        gd.QueryVariable(name)
        .label(name.capitalize())
        .datasource(DATASOURCE)
        .query(query)
        .definition(query)
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
    )
    return variable.all_value(all_value) if all_value is not None else variable


def _panel(panel: Panel) -> Any:
    builder: Any = stat.Panel() if panel.kind == "stat" else timeseries.Panel()
    builder = (
        builder.title(panel.title)
        .description(panel.description)
        .datasource(DATASOURCE)
        .unit(panel.unit)
        .thresholds(_thresholds(panel))
        .height(PANEL_HEIGHT)
        .span(panel.width)
    )
    if panel.min is not None:
        builder = builder.min(panel.min)
    if panel.max is not None:
        builder = builder.max(panel.max)
    if panel.kind == "timeseries":
        legend = (
            VizLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
        )
        # Draw the thresholds as dashed lines: a value's distance to them is the point.
        drawn = GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.DASHED)
        builder = builder.fill_opacity(10).line_width(1).legend(legend).thresholds_style(drawn)
        if panel.stack:
            builder = builder.stacking(StackingConfig().mode(common.StackingMode.NORMAL))
    if panel.runbooks:
        builder = builder.links([_runbook(alert) for alert in panel.runbooks])
    for ref, query in zip("ABCDEFGH", panel.queries, strict=False):
        target = (
            prometheus.Dataquery()
            .expr(query.expr)
            .legend_format(query.legend)
            .ref_id(ref)
            .exemplar(query.exemplar)
        )
        builder = builder.with_target(target)
    return builder


def _runbook(alert: str) -> gd.DashboardLink:
    # The umbrella chart swaps RUNBOOKS_URL for prometheusRule.runbookUrl, as in the rules.
    link = gd.DashboardLink(f"Runbook: {alert}").type(DashboardLinkType.LINK)
    return link.url(f"{RUNBOOKS_URL}#{alert.lower()}").target_blank(True)


def _thresholds(panel: Panel) -> gd.ThresholdsConfig:
    steps = [Threshold(value=value, color=color) for value, color in panel.thresholds]
    return gd.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps)
