"""Contracts: review, approvals, payment plan and amendments; orders and the hand-off to delivery."""
