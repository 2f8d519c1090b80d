"""Import a CSV or Excel file through the same importer as the page, for administrators moving in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ltc import importer
from ltc.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import records from a CSV (UTF-8 or GBK) or .xlsx file. All rows or none: with any error, the error "
        "report is printed and nothing is written."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="what the file holds, e.g. leads")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--mapping",
            type=Path,
            required=True,
            help='JSON file: {"field": "File header"} or {"field": {"column": "File header", "values": {...}}}',
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, print the report, write nothing")
        parser.add_argument("--as", dest="username", help="the user the records are imported as (audit, defaults)")

    def handle(
        self, *args: Any, kind: str, file: Path, mapping: Path, dry_run: bool, username: str | None, **options: Any
    ) -> None:
        actor = None
        if username:
            actor = get_user_model()._default_manager.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user “{username}”.")
        try:
            mapping_data = json.loads(mapping.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the mapping {mapping}: {exc}") from exc
        if not isinstance(mapping_data, dict):
            raise CommandError("The mapping must be a JSON object from field names to column headers.")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            spec = importer.spec_for(kind)
            preview = importer.validate(importer.read_table(data, file.name), spec, mapping_data)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        rows = len(preview.rows)
        if preview.errors:
            self.stdout.write(importer.error_report(preview.errors).lstrip("\ufeff"), ending="")
            bad_rows = len({e.row for e in preview.errors})
            raise CommandError(
                f"{bad_rows} of {rows} rows have errors ({len(preview.errors)} problems); nothing was imported."
            )
        for row, match in preview.duplicates:
            self.stdout.write(f"row {row}: possible duplicate of {match}")
        if dry_run:
            self.stdout.write(
                f"dry run: {rows} rows are valid, {len(preview.duplicates)} possible duplicates; nothing written."
            )
            return
        try:
            result = importer.commit(preview, actor)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"imported {result['created']} {kind}, {result['duplicates']} flagged as possible duplicates."
        )
