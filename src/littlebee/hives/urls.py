from django.urls import path

from . import views_visits

app_name = "hives"
urlpatterns = [
    path("<int:hive_id>/poster/", views_visits.poster, name="poster"),
    path("<int:hive_id>/visit/", views_visits.visit, name="visit"),
    path("<int:hive_id>/scan/", views_visits.scan, name="scan"),
    # /me/ belongs to the accounts URLs; the member code lives with the stations that read it.
    path("member-code/", views_visits.member_code, name="member_code"),
]
