"""Demo opportunities: part of the qualified demo leads converted, as reps convert them."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from leads.models import Lead, Status
from ltc.errors import DomainError
from opportunities.models import Opportunity
from opportunities.services import opportunity_create_from_lead

SEED = 20261126
CONVERT = 40


def load() -> int:
    if Opportunity.objects.filter(source_lead__isnull=False).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    qualified = list(
        Lead.objects.filter(status=Status.QUALIFIED, owner__isnull=False).exclude(company="").order_by("pk")
    )
    created = 0
    for lead in rng.sample(qualified, min(CONVERT, len(qualified))):
        try:
            opportunity_create_from_lead(
                actor=lead.owner,
                lead=lead,
                new_account=True,
                new_contact=True,
                amount=Decimal(rng.randrange(30, 1500)) * 1000,
                expected_close_date=timezone.localdate() + timedelta(days=rng.randrange(20, 120)),
            )
        except DomainError:
            continue  # a company that is already another rep's customer stays a lead, as it would
        created += 1
    return created
