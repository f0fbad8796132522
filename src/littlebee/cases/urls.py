from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("figures/", views.figures, name="figures"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/actions/", views.action, name="action"),
]
