"""Leads (线索): where they come from, how they are graded, who works them, what they became."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import CompanySize
from ltc.access import Visibility
from ltc.audit import audited
from ltc.money import CurrencyField, MoneyField
from org.models import Region, RepLevel


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")
    NURTURING = "nurturing", _("Nurturing")


OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.QUALIFIED, Status.NURTURING)


class Intent(models.TextChoices):
    HIGH = "high", _("High intent")
    MEDIUM = "medium", _("Medium intent")
    LOW = "low", _("Low intent")


class Budget(models.TextChoices):
    CONFIRMED = "confirmed", _("Budget confirmed")
    PLANNED = "planned", _("Budget planned")
    NONE = "none", _("No budget")


class Timeline(models.TextChoices):
    MONTH = "1m", _("Within a month")
    QUARTER = "3m", _("Within three months")
    HALF_YEAR = "6m", _("Within six months")
    LATER = "later", _("Later or unknown")


@audited()
class Source(models.Model):
    """A channel leads come from: website, trade show, referral, cold call, partner, advertising…"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["name"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


@audited()
class Campaign(models.Model):
    """A marketing campaign with its cost, so that cost per lead, CAC and return can be computed."""

    name = models.CharField(_("name"), max_length=200)
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="campaigns")
    cost = MoneyField(_("cost"), default=0)
    currency = CurrencyField(_("currency"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="leads_campaign_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="leads_campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@audited()
class Rubric(models.Model):
    """One version of the grading standard (统一的客户分级标准). Versions are never edited, only added.

    ``rules``: a list of {"field", "op", "value", "points", "label"} (see leads.grading);
    ``thresholds``: the least score for A, B and C; below C is D.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    rules = models.JSONField(_("rules"))
    thresholds = models.JSONField(_("thresholds"))
    active = models.BooleanField(_("active"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("grading rubric")
        verbose_name_plural = _("grading rubrics")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="leads_one_active_rubric")
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


@audited()
class Lead(models.Model):
    """A possible customer, not yet qualified."""

    # who
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("company size"), max_length=16, choices=CompanySize.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # what they want: the grading inputs
    intent = models.CharField(_("intent"), max_length=16, choices=Intent.choices, blank=True)
    budget = models.CharField(_("budget"), max_length=16, choices=Budget.choices, blank=True)
    timeline = models.CharField(_("timeline"), max_length=16, choices=Timeline.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # where from
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="leads")
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    # grade, by one rubric version
    score = models.IntegerField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, default=Grade.D)
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grade_explanation = models.JSONField(_("grade explanation"), default=list)
    # who works it
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=200, blank=True)
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True)
    # what it became
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    # duplicate keys (customers.normalise) and the record this lead seems to repeat
    phone_key = models.CharField(max_length=32, db_index=True, editable=False, default="")
    email_key = models.CharField(max_length=254, db_index=True, editable=False, default="")
    person_key = models.CharField(max_length=300, db_index=True, editable=False, default="")
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    duplicate_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("matches contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            # the list's order (newest first, id to break ties): a manager's page walks it and stops at 25
            models.Index(fields=["-created_at", "-id"], name="leads_lead_newest"),
            models.Index(fields=["owner", "-created_at", "-id"], name="leads_lead_owner_newest"),
            models.Index(fields=["team", "-created_at", "-id"], name="leads_lead_team_newest"),
            models.Index(fields=["status", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="disqualified") | ~models.Q(disqualify_reason=""),
                name="leads_disqualified_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}" if self.company else self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_first_contact_overdue(self) -> bool:
        """A new lead nobody has contacted by its deadline (nurturing and closed leads are not waiting)."""
        from django.utils import timezone

        due = self.first_contact_due_at
        return (
            self.status == Status.NEW and self.first_contacted_at is None and due is not None and due < timezone.now()
        )


# A rep sees their leads; managers see their people's and their teams' unassigned pool.
LEAD_VISIBILITY = Visibility(owner="owner_id", team="team_id")


class GradeChange(models.Model):
    """Every grade a lead has had, with the rubric version that gave it (append-only)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="grade_changes")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+")
    score = models.IntegerField()
    grade = models.CharField(max_length=1, choices=Grade.choices)
    previous_grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    explanation = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.previous_grade or '—'} → {self.grade} (v{self.rubric_id})"


class AssignmentRule(models.Model):
    """Which rep levels may take a grade; D by default goes to automated nurturing instead of a person."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_LOADED = "least_loaded", _("Least open leads")

    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, unique=True)
    levels = ArrayField(
        models.CharField(max_length=16, choices=RepLevel.choices), verbose_name=_("rep levels"), blank=True
    )
    nurture = models.BooleanField(_("automated nurturing"), default=False)
    strategy = models.CharField(_("strategy"), max_length=16, choices=Strategy.choices, default=Strategy.LEAST_LOADED)
    open_lead_cap = models.PositiveIntegerField(_("open leads per rep at most"), default=200)
    first_contact_hours = models.PositiveIntegerField(_("first contact within (hours)"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["grade"]

    def __str__(self) -> str:
        return self.grade


class Assignment(models.Model):
    """Every change of a lead's owner: by a rule or a person, from whom to whom, when (append-only)."""

    class How(models.TextChoices):
        RULE = "rule", _("By rule")
        MANUAL = "manual", _("By hand")
        NURTURE = "nurture", _("To nurturing")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    how = models.CharField(max_length=16, choices=How.choices)
    rule = models.ForeignKey(AssignmentRule, null=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_user_id} → {self.to_user_id} ({self.how})"


class Cadence(models.Model):
    """A follow-up rhythm (跟进节奏) chosen by grade: planned touches on day offsets from assignment.

    ``steps``: [{"day": 0, "kind": "call", "subject": "首次电话沟通"}, {"day": 2, "kind": "email", …}, …]
    """

    name = models.CharField(_("name"), max_length=100)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, unique=True)
    steps = models.JSONField(_("steps"))
    automated = models.BooleanField(_("automated nurturing"), default=False)

    class Meta:
        verbose_name = _("cadence")
        verbose_name_plural = _("cadences")
        ordering = ["grade"]

    def __str__(self) -> str:
        return self.name


class SavedFilter(models.Model):
    """A lead list filter a person keeps by name ("我的A级逾期")."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_lead_filters")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=1000)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="leads_saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name
