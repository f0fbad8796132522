"""The site's own pages, outside any namespace (as Django's LOGIN_REDIRECT_URL = "home" expects)."""

from django.urls import path

from . import views, views_pwa

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_dashboard, name="staff"),
    # Installing on the home screen: served from the root so that the worker's scope is the site.
    path("manifest.webmanifest", views_pwa.manifest, name="manifest"),
    path("sw.js", views_pwa.service_worker, name="service_worker"),
    path("offline/", views_pwa.offline, name="offline"),
]
