from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from ltc import access
        from org.selectors import access_profile_for

        access.register_profile_loader(access_profile_for)

        from ltc.importer import register
        from org.importers import PEOPLE_IMPORT

        register(PEOPLE_IMPORT)
