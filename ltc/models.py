"""Kernel records: files being imported, and the column mappings remembered per file layout."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One uploaded file on its way through mapping and preview to commit. The file is kept in the
    database, so the steps need no shared disk; it is read again at each step."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        COMMITTED = "committed", _("Imported")

    kind = models.CharField(_("kind"), max_length=40)
    filename = models.CharField(_("file"), max_length=255)
    data = models.BinaryField()
    headers = models.JSONField(default=list)
    header_key = models.CharField(max_length=40)
    rows = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.UPLOADED)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"


class ImportMapping(models.Model):
    """The column mapping last used for a file layout (the set of its headers), offered the next time."""

    kind = models.CharField(max_length=40)
    header_key = models.CharField(max_length=40)
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "header_key"], name="ltc_one_mapping_per_layout")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.header_key[:8]}"


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``: the same key from the same person replays
    it; the same key with other content is refused. The row is written in the transaction of the action it
    guards, so a second request with the key waits for the first to finish and then replays it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="ltc_one_answer_per_key")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
