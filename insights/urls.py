from django.urls import path

from insights import growth_views, review_views, value_views, views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stage-times/", views.stage_times_page, name="stage_times"),
    path("reps/", views.reps_page, name="reps"),
    path("leakage/<str:stage>/", views.leakage, name="leakage"),
    path("export/<str:report>.<str:fmt>", views.export, name="export"),
    path("receivables/", value_views.receivables_page, name="receivables"),
    path("customers/", value_views.customers_page, name="customers"),
    path("value-export/<str:report>.<str:fmt>", value_views.value_export, name="value_export"),
    path("review/", review_views.review_page, name="review"),
    path("targets/", growth_views.targets_page, name="targets"),
    path("targets/attainment/", growth_views.attainment_page, name="attainment"),
    path("channels/", growth_views.channels_page, name="channels"),
    path("growth-export/<str:report>.<str:fmt>", growth_views.growth_export, name="growth_export"),
]
