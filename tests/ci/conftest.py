"""Tests of the CI set-up: the workflows and the kind cluster they deploy into.

They reuse the chart tests' helpers (the pinned helm, the values profiles).
"""
