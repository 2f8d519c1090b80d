"""Forms of the lead pages; they only check shape, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.forms import ActivityLogForm
from customers.models import CompanySize
from leads.models import Budget, Campaign, Intent, Source, Timeline
from org.models import Region

BLANK: list[tuple[str, Any]] = [("", "—")]


class LeadQuickForm(forms.Form):
    """The quick add: a name and one way to reach the person are enough; the rest refines the grade."""

    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    source = forms.ModelChoiceField(label=_("Source"), queryset=Source.objects.filter(active=True), empty_label=None)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.all(), required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    size = forms.ChoiceField(label=_("Company size"), choices=BLANK + CompanySize.choices, required=False)
    region = forms.ChoiceField(label=_("Region"), choices=BLANK + Region.choices, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    intent = forms.ChoiceField(label=_("Intent"), choices=BLANK + Intent.choices, required=False)
    budget = forms.ChoiceField(label=_("Budget"), choices=BLANK + Budget.choices, required=False)
    timeline = forms.ChoiceField(label=_("Timeline"), choices=BLANK + Timeline.choices, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    QUICK = ("name", "phone", "company", "source")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone") or data.get("email")):
            self.add_error("phone", _("Give a phone number or an email, so the lead can be reached."))
        return data

    @property
    def quick_fields(self) -> list[Any]:
        return [self[name] for name in self.QUICK]

    @property
    def more_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name not in self.QUICK]


__all__ = ["ActivityLogForm", "LeadQuickForm"]
