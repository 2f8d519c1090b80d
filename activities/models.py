"""Activities (跟进记录): calls, emails, meetings, visits, demos, tasks and notes on any business record."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ltc.access import Visibility
from ltc.audit import audited


class Kind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", pgettext_lazy("activity kind", "Email")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    DEMO = "demo", _("Demo")
    TASK = "task", _("Task")
    NOTE = "note", _("Note")


# Kinds that are a touch with the customer (a first contact), as opposed to internal tasks and notes.
CONTACT_KINDS = (Kind.CALL, Kind.EMAIL, Kind.MEETING, Kind.VISIT, Kind.DEMO)


@audited()
class Activity(models.Model):
    """Planned (a due time and an assignee) or done (a time and an outcome), on one record of any stage."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="activities"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    # Where a planned activity came from, e.g. "cadence:12:3" (cadence 12, step 3): scheduling twice is a no-op.
    origin = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-created_at"]),
            models.Index(fields=["assignee", "done_at", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "origin"],
                condition=~models.Q(origin=""),
                name="activities_one_per_origin",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


ACTIVITY_VISIBILITY = Visibility(owner="assignee_id")
