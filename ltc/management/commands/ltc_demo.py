"""Build (or top up) the demo company: each app's own ``demo.py``, in stage order. Safe to run again."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

# Stage order: people first, then the chain from lead to cash. Each app adds its module when it has data.
DEMO_MODULES = ("org.demo", "customers.demo", "leads.demo", "opportunities.demo", "contracts.demo", "receivables.demo")


class Command(BaseCommand):
    help = "Create the demo company (teams, people in every role, customers); idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args: Any, print_logins: bool = False, **options: Any) -> None:
        people = import_module("org.demo")
        if not print_logins:
            with transaction.atomic():
                for name in DEMO_MODULES:
                    created = import_module(name).load()
                    self.stdout.write(f"{name}: {created} new records")
        self.stdout.write(f"Demo logins (password for all: {people.DEMO_PASSWORD}):")
        for line in people.login_lines():
            self.stdout.write(f"  {line}")
