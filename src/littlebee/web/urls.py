"""The site's own pages, outside any namespace (as Django's LOGIN_REDIRECT_URL = "home" expects)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_dashboard, name="staff"),
]
