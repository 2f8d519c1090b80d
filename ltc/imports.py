"""The import pages' steps, over the shared importer (ltc.importer): upload → mapping → preview → commit.

Each step is a function; the page only calls them. A batch belongs to the person who uploaded it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc import importer
from ltc.errors import Conflict, DomainError
from ltc.models import ImportBatch, ImportMapping

ALREADY_IMPORTED = "import_already_committed"


@transaction.atomic
def batch_upload(*, actor: Any, kind: str, filename: str, data: bytes) -> ImportBatch:
    """Keep an uploaded file once it reads as a table; an empty, oversized or unreadable file is refused
    (the importer's codes) and nothing is kept."""
    importer.check_allowed(importer.spec_for(kind), actor)
    table = importer.read_table(data, filename)
    return ImportBatch.objects.create(
        kind=kind,
        filename=filename[:255],
        data=data,
        headers=table.headers,
        header_key=table.header_key,
        rows=len(table.rows),
        created_by=actor,
    )


def batch_get_for_user(*, user: Any, pk: int) -> ImportBatch:
    """One of the user's own batches; anyone else's answers 404."""
    return get_object_or_404(ImportBatch, pk=pk, created_by_id=getattr(user, "pk", None))


def batch_table(batch: ImportBatch) -> importer.Table:
    return importer.read_table(bytes(batch.data), batch.filename)


def batch_mapping(batch: ImportBatch) -> tuple[dict[str, Any], bool]:
    """The mapping to start from: the batch's own, else the one remembered for this layout, else a guess.
    The flag says whether it was remembered."""
    if batch.mapping:
        return dict(batch.mapping), False
    remembered = ImportMapping.objects.filter(kind=batch.kind, header_key=batch.header_key).first()
    if remembered is not None:
        usable = {k: v for k, v in remembered.mapping.items() if column_of(v) in batch.headers}
        return usable, True
    return importer.guess_mapping(batch_table(batch), importer.spec_for(batch.kind)), False


@transaction.atomic
def batch_set_mapping(*, batch: ImportBatch, mapping: dict[str, Any]) -> ImportBatch:
    """Keep the chosen mapping; refuses one that names unknown fields or columns, or misses a required field."""
    _refuse_committed(batch)
    problems = importer.mapping_errors(batch_table(batch), importer.spec_for(batch.kind), mapping)
    if problems:
        raise DomainError(" ".join(problems), code=importer.BAD_MAPPING, fields={"mapping": problems})
    batch.mapping = mapping
    batch.save(update_fields=["mapping"])
    return batch


def batch_preview(batch: ImportBatch) -> importer.Preview:
    """Every row checked against the batch's mapping; nothing written."""
    return importer.validate(batch_table(batch), importer.spec_for(batch.kind), batch.mapping)


def batch_commit(*, actor: Any, batch: ImportBatch) -> dict[str, Any]:
    """Write every row or none, then remember the mapping for this file layout. A batch imports once."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _refuse_committed(batch)
        preview = batch_preview(batch)
        result = importer.commit(preview, actor)
        summary = {"created": result["created"], "duplicates": result["duplicates"]}
        batch.state, batch.committed_at, batch.result = ImportBatch.State.COMMITTED, timezone.now(), summary
        batch.data = b""  # the rows are in their tables now; the file need not be kept
        batch.save(update_fields=["state", "committed_at", "result", "data"])
        ImportMapping.objects.update_or_create(
            kind=batch.kind,
            header_key=batch.header_key,
            defaults={"mapping": batch.mapping, "updated_by": actor},
        )
    return summary


def column_of(target: Any) -> str:
    """The file header a mapping entry names (an entry is a header, or {\"column\": header, \"values\": {…}})."""
    return str(target.get("column", "") if isinstance(target, dict) else target)


def _refuse_committed(batch: ImportBatch) -> None:
    if batch.state == ImportBatch.State.COMMITTED:
        raise Conflict(_("This file was imported already."), code=ALREADY_IMPORTED)
