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


# --- reminders: the delivery outbox, the inbox and each person's choices --------------------------------------------


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", pgettext_lazy("channel", "Email")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One reminder for one person on one channel: materialized by the beat, claimed and sent by a worker.

    Unique per (kind, record, occurrence, recipient, channel): a second beat, a retry or a re-run inserts nothing.
    A worker holds a row while ``lease_until`` lies in the future; an expired lease (a worker that died) lets
    another worker claim it again."""

    kind = models.CharField(_("kind"), max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    occurrence = models.CharField(_("occurrence"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # The person the reminder was meant for when it went to their manager instead (they had left).
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    message = models.TextField(_("message"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_type", "target_id", "occurrence", "recipient", "channel"],
                name="activities_delivery_once",
            )
        ]
        indexes = [
            # The claim query: pending rows whose attempt time has come, oldest first; sent rows never enter it.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="activities_delivery_claim",
            ),
            models.Index(fields=["status", "kind"], name="activities_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurrence} → {self.recipient_id} ({self.channel})"


class Notification(models.Model):
    """A row in a person's in-app inbox, written in the same transaction that marks its delivery sent."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    # One inbox row per delivery at most: a delivery sent twice cannot make a second row.
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    kind = models.CharField(_("kind"), max_length=64)
    text = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="activities_notification_unread")]

    def __str__(self) -> str:
        return self.text[:80]


class NotificationPreference(models.Model):
    """A person's channels for one kind of reminder, e.g. "inbox,email"; empty means they turned it off.
    Without a row, the kind's default channels apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=64)
    channels = models.CharField(_("channels"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="activities_preference_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.channels or '-'}"

    @property
    def channel_list(self) -> tuple[str, ...]:
        """The chosen channels in a stable order, unknown ones left out."""
        chosen = {part.strip() for part in self.channels.split(",")}
        return tuple(channel for channel in Channel.values if channel in chosen)
