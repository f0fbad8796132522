from django.urls import path

from . import views
from . import views_staff as staff

app_name = "learning"
urlpatterns = [
    # The worker's pages.
    path("", views.home, name="home"),
    path("<int:item_id>/", views.item, name="item"),
    path("<int:item_id>/quiz/", views.quiz, name="quiz"),
    path("media/<int:item_id>", views.item_media, name="media"),
    path("attempts/<int:session_id>/", views.attempt, name="attempt"),
    path("attempts/<int:session_id>/result/", views.result, name="result"),
    # Staff: writing, review, the question bank and its Excel import.
    path("staff/", staff.items, name="staff_items"),
    path("staff/new/", staff.item_edit, name="staff_new"),
    path("staff/<int:item_id>/", staff.item_edit, name="staff_edit"),
    path("staff/<int:item_id>/action/", staff.item_action, name="staff_action"),
    path("staff/<int:item_id>/media/", staff.item_media_upload, name="staff_media"),
    path("staff/questions/", staff.questions, name="staff_questions"),
    path("staff/questions/import/", staff.questions_import, name="staff_import"),
    path("staff/questions/template.xlsx", staff.import_template, name="staff_import_template"),
]
