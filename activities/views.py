"""Activity pages: plan or record an activity on any record and mark one done (each answers with a redirect back
to where the person was), "my day", the inbox and the notification preferences. Records are fetched through
their app's visibility selector (activities.selectors.target_get_for_user): one the person may not see answers
404. A refusal becomes a message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from activities import selectors, services
from activities.forms import ActivityDoneForm, ActivityPlanForm, ActivityRecordForm
from activities.models import Channel
from ltc.errors import DomainError
from org.models import User

# User-facing messages (tests assert them).
PLANNED = gettext_lazy("Planned: %(subject)s.")
RECORDED = gettext_lazy("Recorded: %(subject)s.")
DONE = gettext_lazy("Done: %(subject)s.")


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (``next``, a path of this site), else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(wanted)
    return redirect(default)


def refusals_as_messages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A refused write shows its message on the page it came from; nothing was written (the service is atomic)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return _back(request, reverse("activities:my_day"))

    return wrapped


# --- on a record ----------------------------------------------------------------------------------------------------


@login_required
@require_POST
@refusals_as_messages
def activity_add(request: HttpRequest, target_type: str, pk: int) -> HttpResponse:
    """Plan (``mode=plan``: kind, subject, due, assignee) or record (``mode=log``: kind, subject, outcome) an
    activity on the record ``target_type`` / ``pk``."""
    me = _me(request)
    target = selectors.target_get_for_user(user=me, target_type=target_type, pk=pk)
    page = selectors.target_url(target) or reverse("activities:my_day")
    if request.POST.get("mode") == "log":
        record = ActivityRecordForm(request.POST)
        if not record.is_valid():
            messages.error(request, _("Say what was done (a subject is required)."))
            return _back(request, page)
        activity = services.activity_record(actor=me, target=target, **record.cleaned_data)
        messages.success(request, RECORDED % {"subject": activity.subject})
        return _back(request, page)
    plan = ActivityPlanForm(request.POST)
    if not plan.is_valid():
        messages.error(request, _("Give a due time as date and time."))
        return _back(request, page)
    data = plan.cleaned_data
    assignee = me
    if data.get("assignee") and data["assignee"] != me.pk:
        assignee = User.objects.filter(pk=data["assignee"]).first() or me
        if assignee.pk != data["assignee"]:
            raise DomainError(_("Choose someone from the list."), code=services.ASSIGNEE_CANNOT_SEE)
    activity = services.activity_plan(actor=me, target=target, kind=data["kind"], subject=data["subject"],
                                      due_at=data["due_at"], assignee=assignee)  # fmt: skip
    messages.success(request, PLANNED % {"subject": activity.subject})
    return _back(request, page)


@login_required
@require_POST
@refusals_as_messages
def activity_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a planned activity done, with its outcome (one the person may not see: 404)."""
    me = _me(request)
    activity = selectors.activity_get_for_user(user=me, pk=pk)
    form = ActivityDoneForm(request.POST)
    outcome = form.cleaned_data["outcome"].strip() if form.is_valid() else ""
    services.activity_complete(actor=me, activity=activity, outcome=outcome)
    messages.success(request, DONE % {"subject": activity.subject})
    return _back(request, selectors.target_url(activity.target) or reverse("activities:my_day"))


@login_required
@require_GET
def timeline(request: HttpRequest, target_type: str, pk: int) -> HttpResponse:
    """The record's activity panel alone (for htmx to refresh it in place)."""
    from activities.templatetags.activity_panel import panel_context

    target = selectors.target_get_for_user(user=_me(request), target_type=target_type, pk=pk)
    return render(request, "partials/timeline.html", panel_context(request, target))


# --- my day ---------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    day = selectors.my_day(user=_me(request))
    return render(request, "activities/my_day.html", {"day": day, "done_form": ActivityDoneForm()})


# --- the inbox ------------------------------------------------------------------------------------------------------

INBOX_PAGE = 50


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    from ltc.paging import CappedPaginator

    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notification_list_for(user=_me(request), unread=True if unread_only else None)
    page = CappedPaginator(rows, INBOX_PAGE).get_page(request.GET.get("page"))
    unread = selectors.notification_unread_count(user=_me(request), request=request)
    return render(request, "activities/inbox.html", {"page": page, "unread": unread, "unread_only": unread_only})


@login_required
@require_GET
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The navigation's unread count, fetched by htmx after the page (and each minute): one count over the
    (recipient, read_at) index, in its own request, so that no page pays for it in its query budget."""
    unread = selectors.notification_unread_count(user=_me(request), request=request)
    response = render(request, "partials/activity_unread_badge.html", {"unread": unread})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link: it is read from then on. Another person's notification answers 404."""
    note = selectors.notification_get_for_user(user=_me(request), pk=pk)
    services.notification_mark_read(actor=_me(request), notification=note)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("activities:inbox")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = selectors.notification_get_for_user(user=_me(request), pk=pk)
    services.notification_mark_read(actor=_me(request), notification=note)
    return _back(request, reverse("activities:inbox"))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=_me(request))
    if count:
        messages.success(request, _("All read."))
    return _back(request, reverse("activities:inbox"))


# --- preferences ----------------------------------------------------------------------------------------------------

CHOICES = {"inbox": [Channel.INBOX], "email": [Channel.EMAIL], "both": [Channel.INBOX, Channel.EMAIL]}


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind of reminder: the inbox, email, or both. Every kind shown is saved; an unknown value refuses the
    whole form (``invalid_channel``), nothing saved."""
    me = _me(request)
    rows = selectors.preference_rows(user=me)
    if request.method == "POST":
        from django.db import transaction

        try:
            with transaction.atomic():
                for row in rows:
                    value = request.POST.get(f"kind-{row.kind}")
                    if value is None:
                        continue
                    channels = CHOICES.get(value, [value])
                    services.notification_preference_set(actor=me, kind=row.kind, channels=channels)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your choices are saved."))
        return redirect("activities:preferences")
    shown = [(row, "both" if len(row.channels) > 1 else (row.channels[0] if row.channels else "")) for row in rows]
    return render(request, "activities/preferences.html", {"rows": shown})
