from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="opportunity_list"),
    path("board/", views.board, name="board"),
    path("export/", views.opportunity_export, name="opportunity_export"),
    path("<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("<int:pk>/move/", views.opportunity_move_view, name="opportunity_move"),
    path("<int:pk>/team/", views.opportunity_team, name="opportunity_team"),
    path("<int:pk>/gates/<int:requirement_pk>/", views.opportunity_tick, name="opportunity_tick"),
    path("<int:pk>/activities/", views.opportunity_activity_log, name="opportunity_activity_log"),
    path("<int:pk>/quotes/", views.quote_create, name="quote_create"),
    path("quotes/", views.quote_list, name="quote_list"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/print/", views.quote_print, name="quote_print"),
    path("quotes/<int:pk>/<slug:action>/", views.quote_action, name="quote_action"),
    path("from-lead/<int:pk>/", views.lead_convert, name="lead_convert"),
]
