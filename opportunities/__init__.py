"""Opportunities: pipelines, stages and quality gates, opportunities and their iron triangle, products, price books and quotes."""
