from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from activities.hooks import on_activity_done
        from leads import reminders  # noqa: F401 - registers the leads' reminder kinds and sources
        from leads.importers import LEAD_IMPORT
        from leads.services import lead_touched
        from ltc.importer import register

        on_activity_done(lead_touched)
        register(LEAD_IMPORT)
