from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from ltc.importer import register
        from opportunities import reminders  # noqa: F401 - registers the deals' reminder kinds and sources
        from opportunities.importers import OPPORTUNITY_IMPORT, PRODUCT_IMPORT

        register(PRODUCT_IMPORT)
        register(OPPORTUNITY_IMPORT)
