from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Cash collection")

    def ready(self) -> None:
        from ltc.importer import register
        from receivables import reminders  # noqa: F401 - registers the invoices' reminder kinds, sources and digest
        from receivables.importers import HISTORICAL_INVOICE_IMPORT, HISTORICAL_PAYMENT_IMPORT, STATEMENT_IMPORT

        register(HISTORICAL_INVOICE_IMPORT)
        register(HISTORICAL_PAYMENT_IMPORT)
        register(STATEMENT_IMPORT)
