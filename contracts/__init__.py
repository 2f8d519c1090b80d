"""Contracts: contracts with their review, approvals, payment plan and amendments, and orders with the hand-off to delivery."""
