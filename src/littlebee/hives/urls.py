from django.urls import path

from . import views_event_manage, views_events, views_manage, views_stations, views_visits

app_name = "hives"
urlpatterns = [
    path("", views_stations.finder, name="finder"),
    path("<int:hive_id>/", views_stations.station, name="station"),
    path("<int:hive_id>/poster/", views_visits.poster, name="poster"),
    path("<int:hive_id>/visit/", views_visits.visit, name="visit"),
    path("<int:hive_id>/scan/", views_visits.scan, name="scan"),
    path("manage/", views_manage.manage, name="manage"),
    path("<int:hive_id>/edit/", views_manage.edit, name="edit"),
    path("<int:hive_id>/exceptions/", views_manage.exception_add, name="exception_add"),
    path(
        "<int:hive_id>/exceptions/<int:exception_id>/remove/",
        views_manage.exception_remove,
        name="exception_remove",
    ),
    path("<int:hive_id>/annual-items/", views_manage.annual_item_add, name="annual_item_add"),
    path(
        "<int:hive_id>/annual-items/<int:item_id>/remove/",
        views_manage.annual_item_remove,
        name="annual_item_remove",
    ),
    path("<int:hive_id>/photos/", views_manage.photo_add, name="photo_add"),
    path("<int:hive_id>/photos/<int:photo_id>/remove/", views_manage.photo_remove, name="photo_remove"),
    path("visits/<int:visit_id>/service/", views_visits.visit_service, name="visit_service"),
    # /me/ belongs to the accounts URLs; the member code lives with the stations that read it.
    path("member-code/", views_visits.member_code, name="member_code"),
    path("events/", views_events.events, name="events"),
    path("events/<int:event_id>/", views_events.event, name="event"),
    path("events/<int:event_id>/actions/", views_events.event_action, name="event_action"),
    path("events/<int:event_id>/attendance/", views_events.attendance, name="attendance"),
    path("events/<int:event_id>/cancel/", views_event_manage.event_cancel, name="event_cancel"),
    path("events/manage/", views_event_manage.events_manage, name="events_manage"),
    path("events/new/", views_event_manage.event_new, name="event_new"),
]
