"""Forms for recording activities on any record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Kind


class ActivityLogForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
