from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    # The worker's pages: my appeals, the form, an appeal with its timeline and rating form.
    path("", views.mine, name="mine"),
    path("new/", views.new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("<int:appeal_id>/", views.detail, name="detail"),
    path("<int:appeal_id>/feedback/", views.feedback, name="feedback"),
    # The industry committee's supervision view (staff console).
    path("supervision/", views.supervision, name="supervision"),
]
