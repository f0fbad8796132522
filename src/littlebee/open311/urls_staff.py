from django.urls import path

from . import views_staff

app_name = "open311_staff"

urlpatterns = [
    path("", views_staff.partners, name="partners"),
    path("keys/<int:key_id>/revoke/", views_staff.key_revoke, name="key-revoke"),
]
