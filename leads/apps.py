from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from activities.hooks import on_activity_done
        from leads.services import lead_touched

        on_activity_done(lead_touched)
