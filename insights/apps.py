from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from insights import reminders  # noqa: F401 - registers the Monday review pack's reminder kind
