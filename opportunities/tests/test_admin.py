"""The pipeline in the admin: a stage and its gate requirement are configured as data."""

from __future__ import annotations

from django.test import Client

from opportunities.models import Pipeline, Requirement, Stage
from tests.factories import UserFactory


def test_an_administrator_adds_a_gate_requirement_to_a_stage(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    stage = Stage.objects.get(name_en="Negotiation")
    before = list(stage.requirements.values_list("name_en", flat=True))

    page = client.get(f"/admin/opportunities/stage/{stage.pk}/change/")
    assert page.status_code == 200
    data = {
        "pipeline": stage.pipeline_id, "order": stage.order, "name": stage.name, "name_en": stage.name_en,
        "probability": 70, "category": "open",
        "requirements-TOTAL_FORMS": "1", "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0", "requirements-MAX_NUM_FORMS": "1000",
        "requirements-0-order": "9", "requirements-0-name": "法务已审阅", "requirements-0-name_en": "Legal reviewed",
        "requirements-0-kind": "mandatory", "requirements-0-verified_by": "manual", "requirements-0-segments": "",
    }  # fmt: skip
    saved = client.post(f"/admin/opportunities/stage/{stage.pk}/change/", data)

    assert saved.status_code == 302
    stage.refresh_from_db()
    assert stage.probability == 70
    assert list(stage.requirements.values_list("name_en", flat=True)) == [*before, "Legal reviewed"]
    assert Requirement.objects.get(name_en="Legal reviewed").kind == "mandatory"
    assert Pipeline.objects.count() == 1
