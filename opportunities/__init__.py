"""Opportunities: pipelines, stages and quality gates, the iron triangle, products, price books, quotes."""
