"""Nightly drift, baselines, waivers, phases and the CI gate (issue 4)."""
