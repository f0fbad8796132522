"""Mounted by the project's urls.py at /appeals/figures/ (before the appeals pages)."""

from django.urls import path

from . import views_figures

app_name = "appeals_figures"
urlpatterns = [
    path("", views_figures.figures, name="figures"),
]
