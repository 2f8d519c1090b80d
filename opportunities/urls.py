from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="opportunity_list"),
    path("<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("from-lead/<int:pk>/", views.lead_convert, name="lead_convert"),
]
