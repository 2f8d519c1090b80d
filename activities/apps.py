from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # activities' own reminder kinds and sources (planned activities due and overdue, the morning digest)
        from activities import reminders  # noqa: F401
