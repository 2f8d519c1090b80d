"""Every write to leads: capture, grading, assignment, cadences, status moves.

Each service validates first and writes nothing when it refuses (DomainError with a stable code).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.services import activity_cancel_planned, activity_schedule
from customers.models import CompanySize, Contact
from customers.normalise import clean_email, clean_phone, email_key, text_key
from leads import grading
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRule,
    Budget,
    Cadence,
    Campaign,
    GradeChange,
    Intent,
    Lead,
    Rubric,
    Source,
    Status,
    Timeline,
)
from leads.transitions import can_move
from ltc.access import profile_for
from ltc.audit import acting_as, checked_save
from ltc.errors import DomainError, NotAllowed
from org.models import Membership, Region, Role, User
from org.selectors import home_team_id

INVALID_LEAD = "invalid_lead"
INVALID_RUBRIC = "invalid_rubric"
NO_RUBRIC = "no_active_rubric"
LEAD_CLOSED = "lead_closed"
BAD_TRANSITION = "invalid_transition"
REASON_REQUIRED = "reason_required"
REP_AT_CAPACITY = "rep_at_capacity"
NOT_A_REP = "not_a_rep"
NOT_A_MANAGER = "not_a_manager"

GRADING_FIELDS = ("size", "industry", "intent", "budget", "timeline", "region", "source")
EDITABLE_FIELDS = (
    "name", "company", "title", "phone", "email", "industry", "size", "region", "city",
    "intent", "budget", "timeline", "note", "source", "campaign",
)  # fmt: skip
_CHOICES = {
    "size": CompanySize.values,
    "region": Region.values,
    "intent": Intent.values,
    "budget": Budget.values,
    "timeline": Timeline.values,
}


# --- validation and keys -----------------------------------------------------------------------------


def lead_clean(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check lead fields; raises DomainError naming every bad field at once."""
    cleaned = dict(data)
    errors: dict[str, list[str]] = {}
    for field in ("name", "company", "title", "industry", "city", "note"):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("A lead needs a name.")]
    for field, limit in (("name", 100), ("company", 200), ("title", 100), ("industry", 100), ("city", 100)):
        if len(cleaned.get(field) or "") > limit:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    for field, check in (("email", clean_email), ("phone", clean_phone)):
        if field in cleaned:
            try:
                check(cleaned[field] or "")
                cleaned[field] = (cleaned[field] or "").strip()
            except ValidationError as exc:
                errors[field] = [str(exc.message)]
    for field, allowed in _CHOICES.items():
        if cleaned.get(field) and cleaned[field] not in allowed:
            errors[field] = [
                _("“%(value)s” is not one of: %(allowed)s") % {"value": cleaned[field], "allowed": ", ".join(allowed)}
            ]
    campaign = cleaned.get("campaign")
    if campaign is not None and cleaned.get("source") is not None and campaign.source_id != cleaned["source"].pk:
        errors["campaign"] = [_("The campaign belongs to another source.")]
    if errors:
        raise DomainError(_("The lead is not valid."), code=INVALID_LEAD, fields=errors)
    return cleaned


def _keys(lead: Lead) -> None:
    lead.email_key = email_key(lead.email)
    lead.phone_key = clean_phone(lead.phone) if lead.phone else ""
    lead.person_key = f"{text_key(lead.company)}|{text_key(lead.name)}" if lead.company else ""


def duplicate_of(lead: Lead) -> tuple[Lead | None, Contact | None]:
    """The earliest other lead, and contact, with the same email, phone, or company and name."""
    match = Q()
    if lead.email_key:
        match |= Q(email_key=lead.email_key)
    if lead.phone_key:
        match |= Q(phone_key=lead.phone_key)
    if lead.person_key:
        match |= Q(person_key=lead.person_key)
    if not match:
        return None, None
    other = Lead.objects.filter(match).exclude(pk=lead.pk).order_by("pk").first()
    contact_match = Q()
    if lead.email_key:
        contact_match |= Q(email_key=lead.email_key)
    if lead.phone_key:
        contact_match |= Q(phone_key=lead.phone_key)
    contact = Contact.objects.filter(contact_match).order_by("pk").first() if contact_match else None
    return other, contact


# --- grading -------------------------------------------------------------------------------------------


def rubric_active() -> Rubric:
    rubric = Rubric.objects.filter(active=True).first()
    if rubric is None:
        raise DomainError(_("No grading rubric is active; an administrator must publish one."), code=NO_RUBRIC)
    return rubric


def grading_inputs(lead: Lead) -> dict[str, str]:
    inputs = {field: getattr(lead, field) or "" for field in GRADING_FIELDS if field != "source"}
    inputs["source"] = lead.source.code if lead.source_id else ""
    return inputs


def _apply_grade(lead: Lead, rubric: Rubric) -> GradeChange | None:
    """Grade ``lead`` (unsaved changes allowed); returns the history row to save when anything changed."""
    result = grading.evaluate(grading_inputs(lead), rubric.rules, rubric.thresholds)
    changed = (lead.grade, lead.score, lead.rubric_id) != (result.grade, result.score, rubric.pk) or lead.pk is None
    previous = "" if lead.pk is None else lead.grade
    lead.score, lead.grade, lead.rubric, lead.grade_explanation = result.score, result.grade, rubric, result.explanation
    if not changed:
        return None
    return GradeChange(
        lead=lead,
        rubric=rubric,
        score=result.score,
        grade=result.grade,
        previous_grade=previous,
        explanation=result.explanation,
    )


@transaction.atomic
def rubric_publish(*, actor: Any, rules: Any, thresholds: Any, note: str = "", regrade_open: bool = True) -> Rubric:
    """Publish a new version of the grading standard and make it the one in force.

    Refuses rules that do not parse (code ``invalid_rubric``, every problem listed). Versions are never
    edited. With ``regrade_open``, every open lead is regraded by the new version in batches.
    """
    errors = grading.rubric_errors(rules, thresholds)
    if errors:
        raise DomainError(_("The grading rules do not parse."), code=INVALID_RUBRIC, fields={"rules": errors})
    latest = Rubric.objects.select_for_update().order_by("-version").first()
    with acting_as(actor):
        Rubric.objects.filter(active=True).update(active=False)
        rubric = Rubric.objects.create(
            version=(latest.version + 1) if latest else 1,
            rules=rules,
            thresholds=thresholds,
            note=note,
            active=True,
            created_by=actor,
        )
        if regrade_open:
            lead_regrade_open(rubric=rubric)
    return rubric


REGRADE_BATCH_SIZE = 2000


def lead_regrade_open(*, rubric: Rubric) -> int:
    """Regrade every open lead by ``rubric``; returns how many changed grade or score."""
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            Lead.objects.filter(status__in=OPEN_STATUSES, pk__gt=last_pk)
            .select_related("source")
            .order_by("pk")[:REGRADE_BATCH_SIZE]
        )
        if not batch:
            return changed
        last_pk = batch[-1].pk
        history = [row for lead in batch if (row := _apply_grade(lead, rubric)) is not None]
        Lead.objects.bulk_update(batch, ["score", "grade", "rubric", "grade_explanation"])
        GradeChange.objects.bulk_create(history)
        changed += len(history)


# --- capture -------------------------------------------------------------------------------------------


@transaction.atomic
def lead_create(
    *,
    actor: Any,
    name: str,
    source: Source,
    campaign: Campaign | None = None,
    owner: User | None = None,
    auto_assign: bool = True,
    **fields: Any,
) -> Lead:
    """Capture a lead: validated, keyed for duplicates, graded by the rubric in force, then routed.

    With ``owner`` the lead is theirs (a rep capturing their own); otherwise, with ``auto_assign``, the
    assignment rules pick a rep (or nurturing). A duplicate is flagged on ``duplicate_of`` /
    ``duplicate_contact``, never merged.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown lead fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code=INVALID_LEAD
        )
    data = lead_clean({"name": name, "source": source, "campaign": campaign, **fields})
    rubric = rubric_active()
    lead = Lead(**data, created_by=actor if getattr(actor, "pk", None) else None, team_id=home_team_id(actor))
    _keys(lead)
    lead.duplicate_of, lead.duplicate_contact = duplicate_of(lead)
    history = _apply_grade(lead, rubric)
    with acting_as(actor):
        lead.save()
        if history is not None:
            history.save()
        if owner is not None:
            _assign(lead=lead, to_user=owner, actor=actor, how=Assignment.How.MANUAL, rule=None, reason="")
        elif auto_assign:
            lead_assign_by_rule(actor=actor, lead=lead)
    return lead


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, **fields: Any) -> Lead:
    """Change a lead's details; regrades when a grading input changed. A converted or disqualified lead is read-only."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown lead fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code=INVALID_LEAD
        )
    lead = Lead.objects.select_for_update().select_related("source").get(pk=lead.pk)
    if lead.status in (Status.CONVERTED, Status.DISQUALIFIED):
        raise DomainError(_("A converted or disqualified lead cannot be changed."), code=LEAD_CLOSED)
    data = lead_clean(
        {"source": fields.get("source", lead.source), "campaign": fields.get("campaign", lead.campaign), **fields}
    )
    for field, value in data.items():
        setattr(lead, field, value)
    _keys(lead)
    history = _apply_grade(lead, rubric_active()) if set(fields) & set(GRADING_FIELDS) else None
    with acting_as(actor):
        lead.save()
        if history is not None:
            history.save()
    return lead


# --- assignment --------------------------------------------------------------------------------------


def _open_count(user: User) -> int:
    return Lead.objects.filter(owner=user, status__in=OPEN_STATUSES).count()


def _assign(
    *, lead: Lead, to_user: User | None, actor: Any, how: str, rule: AssignmentRule | None, reason: str
) -> None:
    now = timezone.now()
    previous = lead.owner
    lead.owner = to_user
    if to_user is not None:
        lead.team_id = home_team_id(to_user) or lead.team_id
        rule = rule or AssignmentRule.objects.filter(grade=lead.grade).first()
        hours = rule.first_contact_hours if rule else None
        if lead.first_contacted_at is None:
            lead.first_contact_due_at = now + timedelta(hours=hours) if hours else None
    if how == Assignment.How.NURTURE:
        lead.status = Status.NURTURING
    lead.save()
    Assignment.objects.create(
        lead=lead,
        from_user=previous,
        to_user=to_user,
        how=how,
        rule=rule if how != Assignment.How.MANUAL else None,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
    )
    _schedule_cadence(lead=lead, actor=actor, start=now)


def eligible_reps(*, rule: AssignmentRule, region: str) -> list[User]:
    """Active reps of the rule's levels with room under its cap, same region first; best candidate first."""
    last_assigned = (
        Assignment.objects.filter(to_user=OuterRef("pk"))
        .order_by()
        .values("to_user")
        .annotate(at=Max("created_at"))
        .values("at")
    )
    reps = (
        User.objects.filter(is_active=True, memberships__role=Role.REP, rep_level__in=rule.levels)
        .distinct()
        .annotate(
            open_leads=Count("leads", filter=Q(leads__status__in=OPEN_STATUSES), distinct=True),
            last_assigned=Subquery(last_assigned),
        )
        .filter(open_leads__lt=rule.open_lead_cap)
    )
    if region and reps.filter(region=region).exists():
        reps = reps.filter(region=region)
    longest_waiting = F("last_assigned").asc(nulls_first=True)
    if rule.strategy == AssignmentRule.Strategy.LEAST_LOADED:
        return list(reps.order_by("open_leads", longest_waiting, "pk"))
    return list(reps.order_by(longest_waiting, "pk"))


@transaction.atomic
def lead_assign_by_rule(*, actor: Any, lead: Lead) -> Lead:
    """Route a lead by its grade's rule: to nurturing, or to the best eligible rep; unassigned if none has room.

    The rule row is locked so that two leads routed at once see each other's assignment (fair round robin).
    """
    rule = AssignmentRule.objects.select_for_update().filter(grade=lead.grade).first()
    if rule is None:
        return lead
    if rule.nurture:
        _assign(lead=lead, to_user=None, actor=actor, how=Assignment.How.NURTURE, rule=rule, reason="")
        return lead
    candidates = eligible_reps(rule=rule, region=lead.region)
    if candidates:
        _assign(lead=lead, to_user=candidates[0], actor=actor, how=Assignment.How.RULE, rule=rule, reason="")
    return lead


def _require_manager(actor: Any, lead: Lead) -> None:
    profile = profile_for(actor)
    if profile is None or not (profile.sees_all or Role.MANAGER in profile.roles):
        raise NotAllowed(_("Only a manager can reassign leads."), code=NOT_A_MANAGER)
    if not profile.sees_all and lead.owner_id not in profile.owner_ids and lead.team_id not in profile.managed_team_ids:
        raise NotAllowed(_("This lead is outside your teams."), code=NOT_A_MANAGER)


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, to_user: User, reason: str = "") -> Lead:
    """A manager gives a lead to a rep. Refuses a non-manager, a person who is not an active rep, and a rep
    at the cap of open leads for the lead's grade (code ``rep_at_capacity``); nothing changes then."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    _require_manager(actor, lead)
    if lead.status in (Status.CONVERTED, Status.DISQUALIFIED):
        raise DomainError(_("A converted or disqualified lead cannot be reassigned."), code=LEAD_CLOSED)
    if not to_user.is_active or not Membership.objects.filter(user=to_user, role=Role.REP).exists():
        raise DomainError(_("%(name)s is not an active sales rep.") % {"name": to_user}, code=NOT_A_REP)
    rule = AssignmentRule.objects.filter(grade=lead.grade).first()
    cap = rule.open_lead_cap if rule else None
    if cap is not None and lead.owner_id != to_user.pk and _open_count(to_user) >= cap:
        raise DomainError(
            _("%(name)s already has %(cap)d open leads, the most allowed.") % {"name": to_user, "cap": cap},
            code=REP_AT_CAPACITY,
        )
    if lead.status == Status.NURTURING and lead.first_contacted_at is None:
        lead.status = Status.NEW
    with acting_as(actor):
        _assign(lead=lead, to_user=to_user, actor=actor, how=Assignment.How.MANUAL, rule=None, reason=reason)
    return lead


@transaction.atomic
def lead_assign_bulk(*, actor: Any, leads: Iterable[Lead], to_user: User, reason: str = "") -> int:
    """Reassign several leads; all or none (the first refusal undoes the rest)."""
    count = 0
    for lead in leads:
        lead_assign(actor=actor, lead=lead, to_user=to_user, reason=reason)
        count += 1
    return count


# --- cadences ------------------------------------------------------------------------------------------


def _schedule_cadence(*, lead: Lead, actor: Any, start: Any) -> None:
    """Plan the grade's cadence touches as activities for the owner; re-planning the same step is a no-op."""
    if lead.owner_id is None:
        return
    cadence = Cadence.objects.filter(grade=lead.grade).first()
    if cadence is None or cadence.automated:
        return
    for number, step in enumerate(cadence.steps, start=1):
        due = (
            lead.first_contact_due_at
            if step["day"] == 0 and lead.first_contact_due_at
            else start + timedelta(days=step["day"])
        )
        activity_schedule(
            actor=actor,
            target=lead,
            kind=step["kind"],
            subject=step["subject"],
            due_at=due,
            assignee=lead.owner,
            origin=f"cadence:{cadence.pk}:{number}:{lead.owner_id}",
        )


def lead_touched(activity: Any) -> None:
    """Hook: a done call, email, meeting, visit or demo on a lead is its first contact (new → contacted)."""
    from activities.models import CONTACT_KINDS

    if activity.target_type.model_class() is not Lead or activity.kind not in CONTACT_KINDS:
        return
    lead = Lead.objects.select_for_update().get(pk=activity.target_id)
    changed = []
    if lead.first_contacted_at is None:
        lead.first_contacted_at = activity.done_at
        changed.append("first_contacted_at")
    if lead.status in (Status.NEW, Status.NURTURING):
        lead.status = Status.CONTACTED
        changed.append("status")
    if changed:
        lead.save(update_fields=[*changed, "updated_at"])


# --- status moves ------------------------------------------------------------------------------------


def _move(lead: Lead, target: str) -> Lead:
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not can_move(lead.status, target):
        raise DomainError(
            _("A lead cannot go from %(current)s to %(target)s.")
            % {"current": Status(lead.status).label, "target": Status(target).label},
            code=BAD_TRANSITION,
        )
    return lead


@transaction.atomic
def lead_qualify(*, actor: Any, lead: Lead) -> Lead:
    lead = _move(lead, Status.QUALIFIED)
    lead.status = Status.QUALIFIED
    with acting_as(actor):
        lead.save(update_fields=["status", "updated_at"])
    return lead


@transaction.atomic
def lead_disqualify(*, actor: Any, lead: Lead, reason: str) -> Lead:
    """Close a lead as not a customer. A reason is required."""
    if not (reason or "").strip():
        raise DomainError(
            _("Say why the lead is disqualified."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]}
        )
    lead = _move(lead, Status.DISQUALIFIED)
    lead.status, lead.disqualify_reason = Status.DISQUALIFIED, reason.strip()[:200]
    with acting_as(actor):
        lead.save(update_fields=["status", "disqualify_reason", "updated_at"])
    activity_cancel_planned(actor=actor, target=lead, origin_prefix="cadence:")
    return lead


def lead_converted(*, lead: Lead, account: Any, contact: Any, at: Any) -> Lead:
    """The lead's side of a conversion (opportunities.services.opportunity_create_from_lead, which locks the
    lead, checks the move and runs inside its transaction and actor): closed, linked to what it became."""
    if not can_move(lead.status, Status.CONVERTED):
        raise DomainError(_("This lead cannot be converted now."), code=BAD_TRANSITION)
    lead.status, lead.converted_at, lead.account, lead.contact = Status.CONVERTED, at, account, contact
    lead.save(update_fields=["status", "converted_at", "account", "contact", "updated_at"])
    return lead


@transaction.atomic
def lead_nurture(*, actor: Any, lead: Lead) -> Lead:
    lead = _move(lead, Status.NURTURING)
    lead.status = Status.NURTURING
    with acting_as(actor):
        lead.save(update_fields=["status", "updated_at"])
    return lead


@transaction.atomic
def saved_filter_save(*, actor: User, name: str, query: str) -> Any:
    """Keep the current list filter under a name (replacing one of the same name)."""
    from leads.models import SavedFilter

    name = name.strip()[:60]
    if not name:
        raise DomainError(_("Give the filter a name."), code="name_required", fields={"name": [_("Required.")]})
    saved, _created = SavedFilter.objects.update_or_create(owner=actor, name=name, defaults={"query": query[:1000]})
    return saved


@transaction.atomic
def lead_disqualify_bulk(*, actor: Any, leads: Iterable[Lead], reason: str) -> int:
    """Disqualify several leads with one reason; all or none."""
    count = 0
    for lead in leads:
        lead_disqualify(actor=actor, lead=lead, reason=reason)
        count += 1
    return count


@transaction.atomic
def saved_filter_delete(*, actor: User, saved: Any) -> None:
    if saved.owner_id != actor.pk:
        raise NotAllowed(_("This filter is someone else's."), code="not_your_filter")
    saved.delete()


MERGE_FIELDS = (
    "company",
    "title",
    "phone",
    "email",
    "industry",
    "size",
    "region",
    "city",
    "intent",
    "budget",
    "timeline",
)


@transaction.atomic
def lead_merge(*, actor: Any, keep: Lead, duplicate: Lead) -> Lead:
    """A manager folds a duplicate into the lead that stays: the kept lead takes the duplicate's details where
    its own are empty (and is regraded when that changes a grading input); the duplicate is closed as
    disqualified with the reason naming the kept lead, its planned touches dropped. Nothing is deleted, so
    both histories stay readable. Refuses merging a lead with itself, or a closed lead."""
    if keep.pk == duplicate.pk:
        raise DomainError(_("A lead cannot be merged with itself."), code="merge_same_lead")
    first, second = sorted((keep.pk, duplicate.pk))
    locked = Lead.objects.select_for_update().select_related("source").in_bulk([first, second])
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    _require_manager(actor, keep)
    _require_manager(actor, duplicate)
    for lead in (keep, duplicate):
        if not lead.is_open:
            raise DomainError(
                _("%(name)s is %(status)s and cannot be merged.")
                % {"name": lead.name, "status": Status(lead.status).label},
                code=LEAD_CLOSED,
            )
    filled = [field for field in MERGE_FIELDS if not getattr(keep, field) and getattr(duplicate, field)]
    for field in filled:
        setattr(keep, field, getattr(duplicate, field))
    if duplicate.note:
        keep.note = f"{keep.note}\n{duplicate.note}".strip()
        filled.append("note")
    _keys(keep)
    history = _apply_grade(keep, rubric_active()) if set(filled) & set(GRADING_FIELDS) else None
    duplicate.status = Status.DISQUALIFIED
    duplicate.disqualify_reason = (_("Merged into lead #%(pk)d") % {"pk": keep.pk})[:200]
    duplicate.duplicate_of = keep
    with acting_as(actor):
        keep.save()
        if history is not None:
            history.save()
        duplicate.save(update_fields=["status", "disqualify_reason", "duplicate_of", "updated_at"])
        Lead.objects.filter(duplicate_of=duplicate).exclude(pk=keep.pk).update(duplicate_of=keep)
    activity_cancel_planned(actor=actor, target=duplicate, origin_prefix="cadence:")
    return keep


def lead_setting_save(*, actor: Any, setting: Any) -> Any:
    """Save one of the settings an administrator keeps here (see ltc.audit.checked_save)."""
    return checked_save(actor=actor, record=setting)
