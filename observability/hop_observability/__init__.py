"""hop's dashboards and Prometheus rules, written as code and generated into the umbrella chart.

Usage::

    python -m hop_observability.generate          # write charts/hop/files/...
    python -m hop_observability.generate --check  # fail when the committed files differ

`metrics` names every metric once, `promql` builds the queries, `slos` states the SLOs,
`panels` builds the panels the `dashboards` modules lay out, and `rules` holds the
recording and alerting rules.
"""
