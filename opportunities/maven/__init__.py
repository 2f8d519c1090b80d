"""Bring in the public Maven "CRM Sales Opportunities" data set through the shared importer (see README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from customers.models import Account
from customers.services import account_create
from ltc import importer
from ltc.errors import DomainError

MAPPINGS = Path(__file__).resolve().parent
STEPS = (
    ("people", "sales_teams.csv"),
    ("accounts", "accounts.csv"),
    ("products", "products.csv"),
    ("opportunities", "sales_pipeline.csv"),
)
NO_ACCOUNT = "(客户未填写)"


@transaction.atomic
def load(directory: Path, actor: Any) -> dict[str, int]:
    """Import the four files in order as ``actor`` (an administrator); all of them or none.
    Returns the records created per kind. A row the rules do not fix stops it with the importer's report."""
    created: dict[str, int] = {}
    for kind, filename in STEPS:
        if kind == "opportunities" and not Account.objects.filter(name=NO_ACCOUNT).exists():
            account_create(actor=actor, name=NO_ACCOUNT, owner=actor)
        mapping = json.loads((MAPPINGS / f"{kind}.json").read_text(encoding="utf-8"))
        table = importer.read_table((directory / filename).read_bytes(), filename)
        preview = importer.validate(table, importer.spec_for(kind), mapping)
        if preview.errors:
            raise DomainError(
                f"{filename}: " + importer.error_report(preview.errors[:20]).lstrip("\ufeff"),
                code=importer.ROWS_INVALID,
            )
        created[kind] = importer.commit(preview, actor)["created"]
    return created
