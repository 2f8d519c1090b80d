"""The shared importer: CSV (UTF-8, UTF-8 with BOM, GBK) and Excel files → validated rows → all or nothing.

Each app registers an `ImportSpec` per kind of record (leads, accounts, contacts…) in its AppConfig.ready.
The flow is the same in the page and in `manage.py ltc_import`:

    table = read_table(data, filename)           # refuses empty, oversized, undecodable files
    preview = validate(table, spec, mapping)     # every row checked; errors name row, column and reason
    result = commit(preview, spec, actor)        # nothing is written when any row has an error

A mapping is ``{field: "File header"}`` or ``{field: {"column": "File header", "values": {"file": "ours"}}}``.
This module imports no app.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ltc.errors import DomainError, NotAllowed
from ltc.text import text_key

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 reads GBK and GB2312 files too

FILE_EMPTY = "import_file_empty"
FILE_TOO_LARGE = "import_file_too_large"
FILE_UNREADABLE = "import_file_unreadable"
BAD_MAPPING = "import_bad_mapping"
ROWS_INVALID = "import_rows_invalid"
UNKNOWN_KIND = "import_unknown_kind"


class CellError(ValueError):
    """Raised by a column's parser: the message says what is wrong with the value, for people."""


@dataclass(frozen=True)
class Column:
    field: str
    label: str | Promise
    parse: Callable[[str], Any] = lambda value: value.strip()
    required: bool = False
    aliases: tuple[str, ...] = ()  # headers that map to this field without asking
    choices: Any = None  # the TextChoices a value is one of, so a preview shows its label

    def show(self, value: Any) -> str:
        """A parsed value as the preview shows it: a choice by its label, a record by its name."""
        if value is None or value == "":
            return ""
        if self.choices is not None:
            return str(dict(self.choices.choices).get(value, value))
        return str(value)


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    label: str | Promise
    columns: tuple[Column, ...]
    # Writes the valid rows (dicts of parsed values, in file order) for ``actor``; returns a summary.
    write: Callable[[list[dict[str, Any]], Any], dict[str, Any]]
    # Optional checks across a whole row, and across rows (duplicates in the file, records that exist):
    check_row: Callable[[dict[str, Any]], dict[str, str]] | None = None
    check_rows: Callable[[list[dict[str, Any]]], list[tuple[int, str, str]]] | None = None
    # Parsers that look records up (sources, owners…), built afresh for each file so that their caches
    # never outlive one import; they override the columns' own parsers.
    lookups: Callable[[], dict[str, Callable[[str], Any]]] | None = None
    # Rows that seem to repeat a record (in the file or already stored): (row index, what it matches).
    # Reported, never merged: they are imported and flagged.
    duplicates: Callable[[list[dict[str, Any]]], list[tuple[int, str]]] | None = None
    # The list page of what was imported, as a URL name (the import pages link back to it).
    list_url_name: str = ""
    # Who may import this kind (people and teams: administrators); None: anyone signed in.
    allowed: Callable[[Any], bool] | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)


_SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> None:
    _SPECS[spec.kind] = spec


def spec_for(kind: str) -> ImportSpec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise DomainError(
            _("Nothing imports “%(kind)s”; one of: %(kinds)s") % {"kind": kind, "kinds": ", ".join(sorted(_SPECS))},
            code=UNKNOWN_KIND,
        ) from None


def kinds() -> list[ImportSpec]:
    return [_SPECS[k] for k in sorted(_SPECS)]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # cells as text, every row as long as the headers

    @property
    def header_key(self) -> str:
        """Identifies a file layout, so that its mapping can be remembered."""
        return hashlib.sha1("\x1f".join(sorted(self.headers)).encode()).hexdigest()  # noqa: S324 - an identifier


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as a spreadsheet shows it: the header is row 1
    column: str  # the file's header ("" for the whole row)
    reason: str


@dataclass
class Preview:
    table: Table
    spec: ImportSpec
    mapping: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (row number, what it matches)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading files -----------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> Table:
    """Read a CSV or .xlsx file into text cells. Refuses empty, oversized and unreadable files."""
    if not data or not data.strip():
        raise DomainError(_("The file is empty."), code=FILE_EMPTY)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB; split it into smaller files.") % {"mb": MAX_FILE_BYTES // 2**20},
            code=FILE_TOO_LARGE,
        )
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    else:
        raw_rows = _csv_rows(data)
    rows = [[_cell_text(c) for c in row] for row in raw_rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        raise DomainError(_("The file is empty."), code=FILE_EMPTY)
    headers = [h.strip() for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    seen: set[str] = set()
    for header in headers:
        if not header:
            raise DomainError(
                _("A column has no header; every column needs a name in the first row."), code=FILE_UNREADABLE
            )
        if header in seen:
            raise DomainError(_("Two columns are both called “%(header)s”.") % {"header": header}, code=FILE_UNREADABLE)
        seen.add(header)
    body = [(row + [""] * len(headers))[: len(headers)] for row in rows[1:]]
    body = [row for row in body if any(cell.strip() for cell in row)]
    if not body:
        raise DomainError(_("The file has headers but no rows."), code=FILE_EMPTY)
    if len(body) > MAX_ROWS:
        raise DomainError(
            _("The file has %(n)d rows; at most %(max)d at a time.") % {"n": len(body), "max": MAX_ROWS},
            code=FILE_TOO_LARGE,
        )
    return Table(headers=headers, rows=body)


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence that reaches it
        raise DomainError(_("The file is neither UTF-8 nor GBK text."), code=FILE_UNREADABLE)
    if "\x00" in text:
        raise DomainError(_("This is not a CSV or Excel (.xlsx) file."), code=FILE_UNREADABLE)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise DomainError(
            _("This Excel file cannot be read (%(reason)s).") % {"reason": type(exc).__name__}, code=FILE_UNREADABLE
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # ok-float: Excel stores 13817623301 as 13817623301.0
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


# --- mapping and validation ------------------------------------------------------------------------------


def guess_mapping(table: Table, spec: ImportSpec) -> dict[str, Any]:
    """Map each field to a header with its name, its label or one of its aliases (case and space folded)."""
    folded = {h.casefold().replace(" ", ""): h for h in table.headers}
    mapping: dict[str, Any] = {}
    for column in spec.columns:
        for candidate in (column.field, str(column.label), *column.aliases):
            header = folded.get(candidate.casefold().replace(" ", ""))
            if header:
                mapping[column.field] = header
                break
    return mapping


def _header(target: Any) -> str:
    return str(target.get("column", "") if isinstance(target, dict) else target)


def mapping_errors(table: Table, spec: ImportSpec, mapping: Mapping[str, Any]) -> list[str]:
    fields = {c.field for c in spec.columns}
    problems = []
    for name, target in mapping.items():
        if name not in fields:
            problems.append(_("“%(field)s” is not a field of %(kind)s.") % {"field": name, "kind": spec.label})
            continue
        if isinstance(target, dict) and "value" in target and not target.get("column"):
            continue  # a fixed value for every row (e.g. the currency of a file that has none)
        header = _header(target)
        if header not in table.headers:
            problems.append(_("The file has no column “%(header)s”.") % {"header": header})
    for column in spec.columns:
        if column.required and column.field not in mapping:
            problems.append(_("Choose the column for %(label)s: it is required.") % {"label": column.label})
    return problems


def validate(table: Table, spec: ImportSpec, mapping: Mapping[str, Any]) -> Preview:
    """Check every row; collect every error (row, column, reason) instead of stopping at the first."""
    problems = mapping_errors(table, spec, mapping)
    if problems:
        raise DomainError(" ".join(problems), code=BAD_MAPPING, fields={"mapping": problems})
    preview = Preview(table=table, spec=spec, mapping=dict(mapping))
    lookups = spec.lookups() if spec.lookups else {}
    plan = []
    fixed: list[tuple[Column, Callable[[str], Any], str]] = []
    for name, target in mapping.items():
        column = spec.column(name)
        if isinstance(target, dict) and "value" in target and not target.get("column"):
            fixed.append((column, lookups.get(name, column.parse), str(target["value"])))
            continue
        header = _header(target)
        values = target.get("values", {}) if isinstance(target, dict) else {}
        plan.append((column, lookups.get(name, column.parse), table.headers.index(header), header, values))
    headers_by_field = {column.field: header for column, _, _, header, _ in plan}
    constants: dict[str, Any] = {}
    for column, parse, text in fixed:
        try:
            constants[column.field] = parse(text)
        except CellError as exc:
            raise DomainError(f"{column.label}: {exc}", code=BAD_MAPPING, fields={"mapping": [str(exc)]}) from None
    for number, cells in enumerate(table.rows, start=2):
        row: dict[str, Any] = dict(constants)
        for column, parse, index, header, values in plan:
            text = cells[index].strip()
            text = values.get(text, text)
            if not text:
                if column.required:
                    preview.errors.append(RowError(number, header, _("Required.")))
                continue
            try:
                row[column.field] = parse(text)
            except CellError as exc:
                preview.errors.append(RowError(number, header, str(exc)))
        if spec.check_row:
            for name, reason in spec.check_row(row).items():
                preview.errors.append(RowError(number, headers_by_field.get(name, ""), reason))
        preview.rows.append(row)
    if spec.check_rows and not preview.errors:
        for index, name, reason in spec.check_rows(preview.rows):
            preview.errors.append(RowError(index + 2, headers_by_field.get(name, ""), reason))
    preview.errors.sort(key=lambda e: (e.row, e.column))
    if preview.ok and spec.duplicates:
        preview.duplicates = [(index + 2, match) for index, match in spec.duplicates(preview.rows)]
    return preview


NOT_ALLOWED = "import_not_allowed"


def check_allowed(spec: ImportSpec, actor: Any) -> None:
    """Refuse an import of a kind the actor may not bring in (people and teams are for administrators)."""
    if spec.allowed is not None and not spec.allowed(actor):
        raise NotAllowed(_("You may not import %(kind)s.") % {"kind": spec.label}, code=NOT_ALLOWED)


def commit(preview: Preview, actor: Any) -> dict[str, Any]:
    """Write every row, or none: refuses a preview with errors (code ``import_rows_invalid``)."""
    from django.db import transaction

    if actor is not None:  # the command run by an administrator without --as imports as the system
        check_allowed(preview.spec, actor)

    if not preview.ok:
        raise DomainError(
            _("%(n)d rows have errors; nothing was imported. Correct the file and try again.")
            % {"n": len({e.row for e in preview.errors})},
            code=ROWS_INVALID,
        )
    with transaction.atomic():
        return preview.spec.write(preview.rows, actor)


def error_report(errors: Iterable[RowError]) -> str:
    """The downloadable report: one line per problem, row, column and reason (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_("Row"), _("Column"), _("Reason")])
    for error in errors:
        writer.writerow([error.row, error.column, error.reason])
    return "\ufeff" + out.getvalue()


# --- cell parsers that every import shares ----------------------------------------------------------------


def choice(choices: Any, synonyms: dict[str, str] | None = None) -> Callable[[str], str]:
    """Accept a choice by its value, its label in Chinese or English, or a common synonym (width/case folded)."""
    from django.utils import translation

    table: dict[str, str] = {}

    def parse(text: str) -> str:
        if not table:
            for value, label in choices.choices:
                table[text_key(value)] = value
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        table[text_key(str(label))] = value
            for word, value in (synonyms or {}).items():
                table[text_key(word)] = value
        found = table.get(text_key(text))
        if found is not None:
            return str(found)
        allowed = ", ".join(str(v) for v in choices.values)
        raise CellError(_("“%(value)s” is not one of: %(allowed)s") % {"value": text, "allowed": allowed})

    return parse


def validated(check: Callable[[str], str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            check(text)
        except ValidationError as exc:
            raise CellError(str(exc.message)) from None
        return text.strip()

    return parse


def limited(length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > length:
            raise CellError(_("At most %(limit)d characters.") % {"limit": length})
        return text

    return parse


class Lookup:
    """Resolves names to rows once per import (a file of 100,000 rows names a handful of sources)."""

    def __init__(self, load: Callable[[], dict[str, Any]], message: str | Promise) -> None:
        self._load = load
        self._cache: dict[str, Any] | None = None
        self._message = message

    def __call__(self, text: str) -> Any:
        if self._cache is None:
            self._cache = self._load()
        found = self._cache.get(text_key(text))
        if found is None:
            raise CellError(str(self._message) % {"value": text})
        return found
