from django.urls import path

from . import views, views_exports

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("offices/", views.offices, name="offices"),
    path("enterprises/", views.enterprises, name="enterprises"),
    path("how/", views.how, name="how"),
    path("exports/", views_exports.exports, name="exports"),
    path("exports/<int:export_id>/", views_exports.download, name="download"),
]
