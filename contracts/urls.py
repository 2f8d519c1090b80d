from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("from-quote/<int:quote_pk>/", views.contract_create, name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/signed-copy/", views.contract_file, name="contract_file"),
    path("<int:pk>/<slug:action>/", views.contract_action, name="contract_action"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/proof/", views.order_proof, name="order_proof"),
    path("orders/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
]
