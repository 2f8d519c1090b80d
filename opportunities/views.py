"""Opportunity pages: the list, the board, the deal page and its moves, and the conversion of a lead."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.forms import ActivityLogForm
from activities.selectors import activity_list_for
from activities.services import activity_log
from customers.selectors import account_get_for_user, contact_list_visible_to
from leads.selectors import lead_get_for_user
from ltc.access import profile_for
from ltc.api import error_body
from ltc.audit import record_history
from ltc.errors import DomainError
from ltc.money import format_money
from ltc.paging import CappedPaginator
from opportunities import exports, gates, services
from opportunities.filters import OpportunityFilter
from opportunities.models import LostReason, Opportunity, Pipeline, Product, Quote, Requirement, Stage
from opportunities.selectors import (
    board_columns,
    conversion_matches,
    opportunity_get_for_user,
    opportunity_list_visible_to,
    quote_get_for_user,
    stage_times,
)
from opportunities.services import opportunity_create_from_lead
from org.models import Membership, Role, User

PAGE_SIZE = 25


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


LIST_PARAMS = ("q", "pipeline", "stage", "category", "owner", "close_after", "close_before", "sort")


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    deals = opportunity_list_visible_to(user=request.user, filters=request.GET).select_related("stage")
    page = CappedPaginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    for key in list(params):
        if key not in LIST_PARAMS:
            del params[key]
    profile = profile_for(request.user)
    owners = User.objects.filter(pk__in=profile.owner_ids) if profile and not profile.sees_all else None
    filterset = OpportunityFilter(request.GET or None, queryset=Opportunity.objects.none())
    if owners is not None:
        filterset.form.fields["owner"].queryset = owners
    return render(
        request,
        "opportunities/opportunity_list.html",
        {"page": page, "filter": filterset, "query": params.urlencode(), "sort": request.GET.get("sort", "")},
    )


@login_required
def opportunity_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    deals = opportunity_list_visible_to(user=request.user, filters=request.GET)
    return exports.respond(deals, request.GET.get("format", "csv"))


@login_required
def board(request: HttpRequest) -> HttpResponse:
    pipelines = list(Pipeline.objects.filter(active=True))
    chosen = next((p for p in pipelines if str(p.pk) == request.GET.get("pipeline")), None)
    pipeline = chosen or next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
    columns = board_columns(user=request.user, pipeline=pipeline) if pipeline else []
    # A board shows up to 180 cards: what each shows is worked out once here, not per card in the template.
    now = timezone.now()
    labels = [(c.stage.pk, str(c.stage), c.stage.category) for c in columns]
    detail, move = (
        reverse("opportunities:opportunity_detail", args=[0]),
        reverse("opportunities:opportunity_move", args=[0]),
    )
    for column in columns:
        column.targets = [(pk, label) for pk, label, category in labels if pk != column.stage.pk and category != "lost"]
        column.label = str(column.stage)
        column.total_text = format_money(column.total_cny, "CNY")
        for deal in column.cards:
            deal.url = detail.replace("/0/", f"/{deal.pk}/")
            deal.move_url = move.replace("/0/", f"/{deal.pk}/")
            deal.amount_text = format_money(deal.amount, deal.currency)
            deal.days = (now - deal.stage_entered_at).days if deal.stage_entered_at else None
    return render(
        request,
        "opportunities/board.html",
        {"pipelines": pipelines, "pipeline": pipeline, "columns": columns, "now": now},
    )


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    stages = list(opportunity.pipeline.stages.order_by("order")) if opportunity.pipeline else []
    following = [s for s in stages if opportunity.stage and s.order > opportunity.stage.order and s.category != "lost"]
    gate_lists = [(stage, gates.checklist(opportunity, stage)) for stage in following]
    people = Membership.objects.filter(user__is_active=True).select_related("user")
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "stages": stages,
            "gate_lists": gate_lists,
            "stage_times": stage_times(opportunity),
            "changes": opportunity.stage_changes.select_related("from_stage", "to_stage", "actor"),
            "quotes": opportunity.quotes.order_by("-version"),
            "activities": list(activity_list_for(opportunity)),
            "log_form": ActivityLogForm(),
            "lost_reasons": LostReason.objects.filter(active=True),
            "presales_people": sorted({m.user for m in people if m.role == Role.PRESALES}, key=str),
            "delivery_people": sorted({m.user for m in people if m.role == Role.DELIVERY}, key=str),
            "history": record_history(opportunity),
            "now": timezone.now(),
        },
    )


def _refusal(request: HttpRequest, exc: DomainError, default: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    said = [str(m) for errors in (exc.fields or {}).values() for m in errors if str(m) not in exc.message]
    messages.error(request, " ".join([exc.message, *said]))
    return _back(request, default)


@login_required
@require_POST
def opportunity_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal (board drag, the card's menu, or the deal page). JSON for the board, a redirect otherwise."""
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    default = reverse("opportunities:opportunity_detail", args=[pk])
    stage = Stage.objects.filter(pk=request.POST.get("stage") or 0).first()
    version = request.POST.get("version", "")
    notes = {
        int(key.removeprefix("note-")): str(request.POST.get(key, ""))
        for key in request.POST
        if key.startswith("note-") and key.removeprefix("note-").isdigit() and str(request.POST.get(key, "")).strip()
    }
    try:
        if stage is None:
            raise DomainError(_("Choose a stage."), code="stage_required")
        if stage.category == "lost":
            reason = LostReason.objects.filter(pk=request.POST.get("lost_reason") or 0).first()
            moved = services.opportunity_lose(
                actor=request.user,
                opportunity=opportunity,
                version=int(version) if version.isdigit() else None,
                reason=reason,
                competitor=request.POST.get("competitor", ""),
            )
        else:
            moved = services.opportunity_move(
                actor=request.user,
                opportunity=opportunity,
                stage=stage,
                version=int(version) if version.isdigit() else None,
                notes=notes,
            )
    except DomainError as exc:
        if exc.code == services.NOTE_NEEDED and _wants_json(request):
            pending = [
                {"id": item.requirement.pk, "name": str(item.requirement)}
                for gate in gates.gates_between(opportunity, stage)  # type: ignore[arg-type]
                for item in gates.missing(gates.checklist(opportunity, gate), mandatory=False)
            ]
            body = error_body(exc.code, exc.message, exc.fields)
            body["error"]["requirements"] = pending
            return JsonResponse(body, status=exc.status)
        return _refusal(request, exc, default)
    if _wants_json(request):
        return JsonResponse({"id": moved.pk, "stage": moved.stage_id, "version": moved.version})
    messages.success(request, _("%(name)s is now in %(stage)s.") % {"name": moved.name, "stage": moved.stage})
    return _back(request, default)


@login_required
@require_POST
def opportunity_team(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    default = reverse("opportunities:opportunity_detail", args=[pk])
    presales = User.objects.filter(pk=request.POST.get("presales") or 0).first()
    delivery = User.objects.filter(pk=request.POST.get("delivery") or 0).first()
    try:
        services.opportunity_set_team(actor=request.user, opportunity=opportunity, presales=presales, delivery=delivery)
    except DomainError as exc:
        return _refusal(request, exc, default)
    messages.success(request, _("The deal team is saved."))
    return redirect(default)


@login_required
@require_POST
def opportunity_tick(request: HttpRequest, pk: int, requirement_pk: int) -> HttpResponse:
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    default = reverse("opportunities:opportunity_detail", args=[pk])
    requirement = get_object_or_404(Requirement, pk=requirement_pk, stage__pipeline=opportunity.pipeline)
    try:
        services.requirement_tick(
            actor=request.user,
            opportunity=opportunity,
            requirement=requirement,
            done=request.POST.get("done") != "0",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _refusal(request, exc, default)
    return redirect(default + "#gates")


@login_required
@require_POST
def opportunity_activity_log(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    form = ActivityLogForm(request.POST)
    if form.is_valid():
        activity_log(actor=request.user, target=opportunity, **form.cleaned_data)
        messages.success(request, _("Activity recorded."))
    else:
        messages.error(request, _("Say what was done (a subject is required)."))
    return redirect(reverse("opportunities:opportunity_detail", args=[pk]) + "#activities")


def _choice(value: str) -> tuple[bool, int | None]:
    """A radio value: "new" or a record's id."""
    if value == "new":
        return True, None
    return False, int(value) if value.isdigit() else None


@login_required
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Show what the lead matches (accounts, contacts) and let the rep choose, then convert."""
    lead = lead_get_for_user(user=request.user, pk=pk)
    matches = conversion_matches(user=request.user, lead=lead)
    values: dict[str, Any] = {
        "account": str(matches.accounts[0].pk) if matches.accounts else "new",
        "contact": str(matches.contacts[0].pk) if matches.contacts else "new",
        "name": lead.company or lead.name,
        "amount": "",
        "expected_close_date": "",
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values.update({k: request.POST.get(k, "").strip() for k in values})
        new_account, account_id = _choice(values["account"])
        new_contact, contact_id = _choice(values["contact"])
        close: date | None = None
        if values["expected_close_date"]:
            try:
                close = date.fromisoformat(values["expected_close_date"])
            except ValueError:
                errors["expected_close_date"] = [_("Enter a date such as 2026-12-31.")]
        if not errors:
            try:
                account = account_get_for_user(user=request.user, pk=account_id) if account_id else None
                contact = None
                if contact_id and account is not None:
                    contact = contact_list_visible_to(user=request.user, account=account).filter(pk=contact_id).first()
                opportunity = opportunity_create_from_lead(
                    actor=request.user,
                    lead=lead,
                    account=account,
                    contact=contact,
                    new_account=new_account,
                    new_contact=new_contact or contact is None,
                    name=values["name"],
                    amount=values["amount"],
                    expected_close_date=close,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                errors = {k: [str(m) for m in v] for k, v in (exc.fields or {}).items()}
            else:
                messages.success(
                    request,
                    _("%(lead)s is converted: opportunity %(name)s opened.")
                    % {"lead": lead.name, "name": opportunity.name},
                )
                return redirect("opportunities:opportunity_detail", pk=opportunity.pk)
    return render(
        request,
        "opportunities/lead_convert.html",
        {"lead": lead, "matches": matches, "values": values, "errors": errors},
    )


# --- quotes -----------------------------------------------------------------------------------------------

BLANK_LINES = 3


@login_required
@require_POST
def quote_create(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    try:
        quote = services.quote_create(actor=request.user, opportunity=opportunity)
    except DomainError as exc:
        return _refusal(request, exc, reverse("opportunities:opportunity_detail", args=[pk]))
    return redirect("opportunities:quote_detail", pk=quote.pk)


@login_required
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get_for_user(user=request.user, pk=pk)
    lines = list(quote.lines.select_related("product"))
    return render(
        request,
        "opportunities/quote_detail.html",
        {
            "quote": quote,
            "lines": lines,
            "blank_lines": range(len(lines) + 1, len(lines) + 1 + BLANK_LINES),
            "products": Product.objects.filter(active=True),
            "needs_approval": services.needs_approval(quote),
            "threshold": services.discount_threshold(),
            "print": False,
        },
    )


@login_required
def quote_print(request: HttpRequest, pk: int) -> HttpResponse:
    quote = quote_get_for_user(user=request.user, pk=pk)
    return render(request, "opportunities/quote_print.html", {"quote": quote, "lines": quote.lines.all()})


def _posted_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """The editor's rows (``line-<n>-<field>``); a row with neither product nor description is left out."""
    products = {str(p.pk): p for p in Product.objects.filter(active=True)}
    numbers = sorted({int(key.split("-")[1]) for key in request.POST if key.startswith("line-") and key.count("-") >= 2
                      and key.split("-")[1].isdigit()})  # fmt: skip
    lines = []
    for number in numbers:
        row = {field: str(request.POST.get(f"line-{number}-{field}", "")).strip() for field in LINE_FIELDS}
        product = products.get(row.pop("product"))
        if product is None and not row["description"]:
            continue
        lines.append({**row, "product": product})
    return lines


LINE_FIELDS = ("product", "description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate")


@login_required
@require_POST
def quote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    quote = quote_get_for_user(user=request.user, pk=pk)
    default = reverse("opportunities:quote_detail", args=[pk])
    actor = request.user
    done = {
        "lines": _("The quote is saved."),
        "request-approval": _("Approval requested from the owner's manager."),
        "approve": _("Discount approved."),
        "refuse": _("Discount refused."),
        "send": _("The quote is sent."),
        "accept": _("The customer accepted the quote."),
        "reject": _("The customer rejected the quote."),
    }
    try:
        if action == "lines":
            services.quote_set_lines(actor=actor, quote=quote, lines=_posted_lines(request))
        elif action == "request-approval":
            services.quote_request_approval(actor=actor, quote=quote)
        elif action in ("approve", "refuse"):
            services.quote_decide_discount(
                actor=actor, quote=quote, approve=action == "approve", note=request.POST.get("note", "")
            )
        elif action == "send":
            services.quote_send(actor=actor, quote=quote)
        elif action == "accept":
            services.quote_accept(actor=actor, quote=quote)
        elif action == "reject":
            services.quote_reject(actor=actor, quote=quote, note=request.POST.get("note", ""))
        else:
            return HttpResponse(status=404)
    except DomainError as exc:
        return _refusal(request, exc, default)
    messages.success(request, done[action])
    return redirect(default)


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    """Quotes of the deals one may see; the ones waiting for this person's approval first."""
    deals = opportunity_list_visible_to(user=request.user)
    quotes = Quote.objects.filter(opportunity__in=deals).select_related("opportunity", "opportunity__account")
    status = request.GET.get("status", "")
    if status in Quote.Status.values:
        quotes = quotes.filter(status=status)
    if request.GET.get("approval") == "pending":
        quotes = quotes.filter(approval=Quote.Approval.PENDING)
    page = CappedPaginator(quotes.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    pending = Quote.objects.filter(opportunity__in=deals, approval=Quote.Approval.PENDING).exclude(
        opportunity__owner=_me(request)
    )
    return render(
        request,
        "opportunities/quote_list.html",
        {"page": page, "status": status, "statuses": Quote.Status.choices, "pending": pending.count()},
    )
