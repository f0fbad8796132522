from django.urls import path

from . import views, views_manage

app_name = "volunteering"

urlpatterns = [
    path("", views.tasks, name="tasks"),
    path("map/", views.today_map, name="map"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("tasks/<int:task_id>/action/", views.task_action, name="task_action"),
    path("mine/", views.mine, name="mine"),
    path("mine/settings/", views.settings_save, name="settings"),
    path("hours/", views.hours, name="hours"),
    path("hours/records/<int:record_id>/correction/", views.correction_request, name="correction_request"),
    path("hours/certificates/", views.certificate_request, name="certificate_request"),
    path("certificates/<str:number>.pdf", views.certificate_download, name="certificate_pdf"),
    path("verify/<str:number>/", views.verify, name="verify"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/join/", views.team_join, name="team_join"),
    # Organisers and district admins.
    path("manage/", views_manage.manage, name="manage"),
    path("manage/new/", views_manage.publish, name="publish"),
    path("manage/tasks/<int:task_id>/", views_manage.manage_task, name="manage_task"),
    path("manage/tasks/<int:task_id>/qr/", views_manage.task_qr, name="task_qr"),
    path("manage/tasks/<int:task_id>/review/", views_manage.review, name="review"),
    path("manage/tasks/<int:task_id>/cancel/", views_manage.cancel_task, name="cancel_task"),
    path("manage/corrections/", views_manage.corrections, name="corrections"),
    path("manage/teams/", views_manage.teams_manage, name="teams_manage"),
    path("permissions/", views_manage.permissions, name="permissions"),
]
