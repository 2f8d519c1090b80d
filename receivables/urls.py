"""Cash collection pages: invoices and payments (``page_urls``), the receivables views (``report_urls``), bank
statements waiting for finance to confirm their matches (``statement_urls``)."""

from receivables import page_urls, report_urls, statement_urls

app_name = "receivables"

urlpatterns = [*page_urls.urlpatterns, *report_urls.urlpatterns, *statement_urls.urlpatterns]
