"""Activity pages, mounted at the site's root by ltc/urls.py: /my-day/, /inbox/, /activities/…"""

from django.urls import path

from activities import views

app_name = "activities"

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.unread_badge, name="unread_badge"),
    path("inbox/read-all/", views.notifications_read_all, name="inbox_read_all"),
    path("inbox/preferences/", views.preferences, name="preferences"),
    path("inbox/<int:pk>/", views.notification_open, name="notification_open"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("activities/<int:pk>/done/", views.activity_done, name="activity_done"),
    path("activities/on/<str:target_type>/<int:pk>/", views.activity_add, name="activity_add"),
    path("activities/on/<str:target_type>/<int:pk>/timeline/", views.timeline, name="timeline"),
]
