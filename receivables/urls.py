"""Cash collection pages: invoices and payments (``page_urls``), the receivables views (``report_urls``)."""

from receivables import page_urls, report_urls

app_name = "receivables"

urlpatterns = [*page_urls.urlpatterns, *report_urls.urlpatterns]
