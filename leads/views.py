"""Lead pages: the list (filters, saved filters, sorting, bulk moves, export, quick add) and the lead page
(grade explanation, cadence, activities, assignments, audit history, moves). Reads through leads.selectors,
writes through leads.services; a refusal becomes a message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.selectors import activity_list_for
from activities.services import activity_complete, activity_log
from leads import exports, services
from leads.filters import LeadFilter
from leads.forms import ActivityLogForm, LeadQuickForm
from leads.models import Lead, SavedFilter, Status
from leads.selectors import lead_get_for_user, lead_list_visible_to
from ltc.access import profile_for
from ltc.audit import record_history
from ltc.errors import DomainError
from ltc.paging import CappedPaginator
from org.models import Membership, Role, User

PAGE_SIZE = 25
LIST_PARAMS = ("q", "status", "grade", "owner", "team", "source", "campaign", "created_after", "created_before",
               "overdue", "sort")  # fmt: skip


def _me(request: HttpRequest) -> User:
    """The signed-in person (every view here requires a login)."""
    return cast(User, request.user)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target)


def refusals_as_messages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A service's refusal (DomainError) becomes an error message on the page the person came from."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            detail = " ".join(str(m) for errors in (exc.fields or {}).values() for m in errors)
            messages.error(request, f"{exc.message} {detail}".strip())
            return _back(request, reverse("leads:lead_list"))

    return wrapper


def _is_manager(user: Any) -> bool:
    profile = profile_for(user)
    return bool(profile and (profile.sees_all or Role.MANAGER in profile.roles))


def _assignable_reps(user: Any) -> list[User]:
    """The reps a manager may hand leads to: those of the teams they manage (everyone's for an admin)."""
    profile = profile_for(user)
    if profile is None or not (profile.sees_all or Role.MANAGER in profile.roles):
        return []
    reps = Membership.objects.filter(role=Role.REP, user__is_active=True)
    if not profile.sees_all:
        reps = reps.filter(user_id__in=profile.owner_ids)
    return list(User.objects.filter(pk__in=reps.values("user_id")).order_by("display_name", "username"))


def _list_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    for key in list(params):
        if key not in LIST_PARAMS:
            del params[key]
    return params.urlencode()


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    leads = lead_list_visible_to(user=_me(request), filters=request.GET)
    page = CappedPaginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    filterset = LeadFilter(request.GET or None, queryset=Lead.objects.none())
    profile = profile_for(_me(request))
    if profile is not None and not profile.sees_all:
        filterset.form.fields["owner"].queryset = User.objects.filter(pk__in=profile.owner_ids)
        filterset.form.fields["team"].queryset = filterset.form.fields["team"].queryset.filter(
            pk__in=profile.managed_team_ids
        )
    return render(
        request,
        "leads/lead_list.html",
        {
            "page": page,
            "filter": filterset,
            "query": _list_query(request),
            "sort": request.GET.get("sort", ""),
            "saved_filters": SavedFilter.objects.filter(owner=_me(request)),
            "reps": _assignable_reps(_me(request)),
            "is_manager": _is_manager(_me(request)),
            "quick_form": LeadQuickForm(),
            "now": timezone.now(),
        },
    )


@login_required
def lead_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    leads = lead_list_visible_to(user=_me(request), filters=request.GET)
    if request.GET.get("format") == "xlsx":
        return exports.export_xlsx(leads)
    return exports.export_csv(leads)


@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadQuickForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        is_rep = Membership.objects.filter(user=_me(request), role=Role.REP).exists()
        try:
            lead = services.lead_create(
                actor=_me(request),
                name=data.pop("name"),
                source=data.pop("source"),
                owner=_me(request) if is_rep else None,
                **data,
            )
        except DomainError as exc:
            for field, errors in (exc.fields or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, str(error))
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Lead %(name)s added, grade %(grade)s.") % {"name": lead.name, "grade": lead.grade}
            )
            if lead.duplicate_of_id or lead.duplicate_contact_id:
                messages.warning(request, _("It looks like a record that exists already; see the lead page."))
            if "add_another" in request.POST:
                return redirect("leads:lead_create")
            return redirect("leads:lead_detail", pk=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form})


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=_me(request), pk=pk)
    activities = list(activity_list_for(lead))
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "planned": [a for a in activities if not a.is_done],
            "done": [a for a in activities if a.is_done],
            "assignments": lead.assignments.select_related("from_user", "to_user", "actor", "rule")[:20],
            "grade_changes": lead.grade_changes.select_related("rubric")[:20],
            "history": record_history(lead),
            "reps": _assignable_reps(_me(request)),
            "log_form": ActivityLogForm(),
            "now": timezone.now(),
            "opportunity": getattr(lead, "opportunity", None) if lead.status == Status.CONVERTED else None,
            "can_convert": lead.status in (Status.CONTACTED, Status.QUALIFIED),
        },
    )


@login_required
@require_POST
@refusals_as_messages
def lead_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    lead = lead_get_for_user(user=_me(request), pk=pk)
    if move == "qualify":
        services.lead_qualify(actor=_me(request), lead=lead)
        messages.success(request, _("The lead is qualified."))
    elif move == "nurture":
        services.lead_nurture(actor=_me(request), lead=lead)
        messages.success(request, _("The lead goes to nurturing."))
    elif move == "disqualify":
        services.lead_disqualify(actor=_me(request), lead=lead, reason=request.POST.get("reason", ""))
        messages.success(request, _("The lead is disqualified."))
    elif move == "merge":
        keep = lead_get_for_user(user=_me(request), pk=int(request.POST.get("keep") or 0))
        services.lead_merge(actor=_me(request), keep=keep, duplicate=lead)
        messages.success(request, _("Merged into %(name)s.") % {"name": keep.name})
        return redirect("leads:lead_detail", pk=keep.pk)
    elif move == "assign":
        to_user = get_object_or_404(User, pk=request.POST.get("to_user") or 0)
        services.lead_assign(actor=_me(request), lead=lead, to_user=to_user, reason=request.POST.get("reason", ""))
        messages.success(request, _("The lead now belongs to %(name)s.") % {"name": to_user})
    else:
        return HttpResponse(status=404)
    return redirect("leads:lead_detail", pk=lead.pk)


@login_required
@require_POST
@refusals_as_messages
def lead_activity_done(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=_me(request), pk=pk)
    activity = get_object_or_404(activity_list_for(lead), pk=activity_pk)
    activity_complete(actor=_me(request), activity=activity, outcome=request.POST.get("outcome", "").strip())
    messages.success(request, _("Done: %(subject)s.") % {"subject": activity.subject})
    return redirect("leads:lead_detail", pk=lead.pk)


@login_required
@require_POST
@refusals_as_messages
def lead_activity_log(request: HttpRequest, pk: int) -> HttpResponse:
    lead = lead_get_for_user(user=_me(request), pk=pk)
    form = ActivityLogForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done (a subject is required)."))
    else:
        activity_log(actor=_me(request), target=lead, **form.cleaned_data)
        messages.success(request, _("Activity recorded."))
    return redirect("leads:lead_detail", pk=lead.pk)


@login_required
@require_POST
@refusals_as_messages
def lead_bulk(request: HttpRequest) -> HttpResponse:
    """Assign or disqualify the ticked leads, all or none; a lead out of scope refuses the whole batch."""
    ids = {int(i) for i in request.POST.getlist("ids") if i.isdigit()}
    back = reverse("leads:lead_list") + ("?" + request.POST["query"] if request.POST.get("query") else "")
    if not ids:
        messages.error(request, _("Tick the leads first."))
        return redirect(back)
    leads = list(lead_list_visible_to(user=_me(request)).filter(pk__in=ids).order_by("pk"))
    if len(leads) != len(ids):
        messages.error(request, _("Some of the ticked leads are not yours to change; nothing was changed."))
        return redirect(back)
    action = request.POST.get("action")
    if action == "assign":
        to_user = get_object_or_404(User, pk=request.POST.get("to_user") or 0)
        count = services.lead_assign_bulk(
            actor=_me(request), leads=leads, to_user=to_user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("%(n)d leads now belong to %(name)s.") % {"n": count, "name": to_user})
    elif action == "disqualify":
        count = services.lead_disqualify_bulk(actor=_me(request), leads=leads, reason=request.POST.get("reason", ""))
        messages.success(request, _("%(n)d leads disqualified.") % {"n": count})
    else:
        messages.error(request, _("Choose what to do with the ticked leads."))
    return redirect(back)


@login_required
@require_POST
@refusals_as_messages
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    saved = services.saved_filter_save(
        actor=_me(request), name=request.POST.get("name", ""), query=request.POST.get("query", "")
    )
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(reverse("leads:lead_list") + ("?" + saved.query if saved.query else ""))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, owner=_me(request))
    services.saved_filter_delete(actor=_me(request), saved=saved)
    messages.success(request, _("Filter “%(name)s” removed.") % {"name": saved.name})
    return redirect("leads:lead_list")
