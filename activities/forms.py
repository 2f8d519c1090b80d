"""Forms for planning and recording activities on any record, marking them done, and choosing channels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Kind


class ActivityLogForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ActivityPlanForm(forms.Form):
    """What a planned activity needs from the page. The kind and the due time are checked again by the service
    (``invalid_kind``, ``due_in_past``), so that the page and the API refuse alike."""

    kind = forms.CharField(label=_("Kind"), max_length=16)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    due_at = forms.DateTimeField(
        label=_("Due"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    assignee = forms.IntegerField(label=_("Assignee"), required=False)


class ActivityRecordForm(forms.Form):
    kind = forms.CharField(label=_("Kind"), max_length=16)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, required=False)


class ActivityDoneForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, required=False)


def form_errors(form: forms.Form) -> dict[str, Any]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}
