from django.urls import path

from ltc import import_views

app_name = "imports"

urlpatterns = [
    path("<slug:kind>/", import_views.upload, name="upload"),
    path("batch/<int:pk>/mapping/", import_views.mapping, name="mapping"),
    path("batch/<int:pk>/preview/", import_views.preview, name="preview"),
    path("batch/<int:pk>/commit/", import_views.commit, name="commit"),
    path("batch/<int:pk>/errors.csv", import_views.error_report, name="errors"),
]
