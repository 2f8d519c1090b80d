from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stage-times/", views.stage_times_page, name="stage_times"),
    path("reps/", views.reps_page, name="reps"),
    path("leakage/<str:stage>/", views.leakage, name="leakage"),
    path("export/<str:report>.<str:fmt>", views.export, name="export"),
]
