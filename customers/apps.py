from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from customers.importers import ACCOUNT_IMPORT, CONTACT_IMPORT
        from ltc.importer import register

        register(ACCOUNT_IMPORT)
        register(CONTACT_IMPORT)
