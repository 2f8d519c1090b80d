from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("new/", views.lead_create, name="lead_create"),
    path("export/", views.lead_export, name="lead_export"),
    path("bulk/", views.lead_bulk, name="lead_bulk"),
    path("filters/", views.saved_filter_save, name="saved_filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("<int:pk>/", views.lead_detail, name="lead_detail"),
    path("<int:pk>/activities/", views.lead_activity_log, name="lead_activity_log"),
    path("<int:pk>/activities/<int:activity_pk>/done/", views.lead_activity_done, name="lead_activity_done"),
    path("<int:pk>/<slug:move>/", views.lead_move, name="lead_move"),
]
