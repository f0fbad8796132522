from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.policy, name="policy"),
    path("export/", views.export, name="export"),
    path("close/", views.close, name="close"),
]
