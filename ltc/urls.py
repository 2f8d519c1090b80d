"""URL wiring: pages, the API under /api/v1/, its schema and docs, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from activities.api import ActivityViewSet, NotificationViewSet
from contracts.api import ContractViewSet, OrderViewSet
from customers.api import AccountViewSet, ContactViewSet
from insights import api as insights_api
from insights.views import home
from leads.api import LeadViewSet
from ltc import views
from opportunities.api import LeadConvertApi, OpportunityViewSet, ProductViewSet, QuoteViewSet
from org.api import MeApi
from receivables import report_api
from receivables.api import InvoiceViewSet, PaymentViewSet

admin.site.site_header = _("LTC CRM administration")
admin.site.site_title = _("LTC CRM")
admin.site.index_title = _("Organisation and settings")

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("leads", LeadViewSet, basename="lead")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("products", ProductViewSet, basename="product")
router.register("contracts", ContractViewSet, basename="contract")
router.register("orders", OrderViewSet, basename="order")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")
router.register("activities", ActivityViewSet, basename="activity")
router.register("notifications", NotificationViewSet, basename="notification")

api_v1 = [
    path("me/", MeApi.as_view(), name="me"),
    path("leads/<int:pk>/convert/", LeadConvertApi.as_view(), name="lead-convert"),
    path("receivables/", include(report_api)),
    path("insights/", include(insights_api)),
    *router.urls,
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("customers.urls")),
    path("leads/", include("leads.urls")),
    path("import/", include("ltc.import_urls")),
    path("opportunities/", include("opportunities.urls")),
    path("contracts/", include("contracts.urls")),
    path("receivables/", include("receivables.urls")),
    path("insights/", include("insights.urls")),
    path("", include("activities.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the docs run under our CSP without inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# Uploaded files are never served as a folder, not even in development: each is downloaded through the page of
# its record, which checks that the reader may see it.
