"""Dashboards: read-only dashboards, targets, the forecast and the review pack."""
