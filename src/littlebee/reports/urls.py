from django.urls import path

from . import views_map, views_worker

app_name = "reports"
urlpatterns = [
    # Worker pages (views_worker): the one-screen form, my reports, a report with its timeline.
    path("", views_worker.mine, name="mine"),
    path("new/", views_worker.new, name="new"),
    path("<int:report_id>/", views_worker.detail, name="detail"),
    path("<int:report_id>/feedback/", views_worker.feedback, name="feedback"),
    path("<int:report_id>/follow/", views_worker.follow, name="follow"),
    # The offline queue's service worker must be served from /reports/ to control these pages.
    path("sw.js", views_worker.service_worker, name="service_worker"),
    # The public map of public reports (views_map).
    path("map/", views_map.public_map, name="map"),
]
