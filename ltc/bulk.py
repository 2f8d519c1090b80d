"""Fast inserts for imports: ids reserved up front, rows streamed with PostgreSQL's COPY.

Django's bulk_create spends most of its time compiling SQL for each value; COPY takes the rows as one
stream. Database triggers (the audit history) still fire for every row, and the acting user reaches
them: the first statement of the transaction (reserving ids) carries pghistory's context.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import CharField, Field, JSONField, Model, TextField
from django.utils import timezone

NULL = "\\N"


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's sequence, in order."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Written as a CTE on purpose: pghistory attaches its context (the acting user) to statements that
        # are not plain SELECTs, and that context then holds for the transaction, COPY included.
        cursor.execute(
            "WITH ids AS (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id FROM generate_series(1, %s)) "
            "SELECT id FROM ids",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _converter(field: Field) -> Callable[[Any], str]:
    """How one column's values become COPY text, chosen once per column rather than per value."""
    if isinstance(field, JSONField):
        return lambda value: json.dumps(value, ensure_ascii=False)
    if isinstance(field, CharField | TextField):
        return str
    return _text


def copy_insert(model: type[Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (attname → value) with COPY. Fields a row leaves out take the model's default
    (auto_now fields: now); without ``id`` in the rows, the sequence numbers them. Returns the number
    of rows written. Validates nothing: callers pass rows they have checked. A text value of ``\\N``
    would be read as NULL."""
    rows = list(rows)
    if not rows:
        return 0
    now = timezone.now()
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not (f is pk and pk.attname not in rows[0])]
    defaults: dict[str, Any] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:  # the declared default, or "" for text columns that are not nullable, else None
            defaults[field.attname] = field.get_default()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    plan = [(f.attname, defaults[f.attname], _converter(f)) for f in fields]
    for row in rows:
        writer.writerow(
            [NULL if (value := row.get(name, default)) is None else convert(value) for name, default, convert in plan]
        )
    buffer.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    table = quote(model._meta.db_table)
    event_model, trigger = _insert_audit(model)
    if event_model is not None and pk.attname not in rows[0]:
        raise ValueError(
            f"{model.__name__} is audited: reserve its ids first (reserve_ids) and pass them as {pk.attname}"
        )
    with connection.cursor() as cursor:
        if trigger:
            # The row-by-row history trigger (an upsert of the context per row) is the slowest part of a
            # large insert: skip it for this COPY only, and write the same history rows in one statement.
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + trigger + "}"])
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')", buffer)
        if trigger and event_model is not None:
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
            _write_insert_events(cursor, model, event_model, [row[pk.attname] for row in rows])
    return len(rows)


def _insert_audit(model: type[Model]) -> tuple[type[Model] | None, str | None]:
    """The pghistory event model and the name of the insert trigger of ``model``, if it is audited."""
    from django.apps import apps

    try:
        event_model = apps.get_model(model._meta.app_label, f"{model.__name__}Event")
    except LookupError:
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'pgtrigger_insert_insert_%%'",
            [model._meta.db_table],
        )
        found = cursor.fetchone()
    return event_model, found[0] if found else None


def _write_insert_events(cursor: Any, model: type[Model], event_model: type[Model], ids: list[Any]) -> None:
    """The history rows the insert trigger would have written: the same columns, one context, one statement."""
    quote = connection.ops.quote_name
    tracked = [str(f.column) for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    pk_column = str(model._meta.pk.column)
    cursor.execute("SELECT _pgh_attach_context()")  # the acting user's context row, once
    context_id = cursor.fetchone()[0]
    cursor.execute(
        f"INSERT INTO {quote(event_model._meta.db_table)} "  # noqa: S608 - names from the models, values as parameters
        f"({', '.join(quote(c) for c in tracked)}, pgh_context_id, pgh_created_at, pgh_label, pgh_obj_id) "
        f"SELECT {', '.join('t.' + quote(c) for c in tracked)}, %s, NOW(), 'insert', t.{quote(pk_column)} "
        f"FROM {quote(model._meta.db_table)} t WHERE t.{quote(pk_column)} = ANY(%s)",
        [context_id, ids],
    )
