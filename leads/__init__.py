"""Leads: leads, sources and campaigns, the grading rubric, assignment and follow-up cadences."""
