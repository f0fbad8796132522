from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("privacy/", views.privacy, name="privacy"),
    path("rules/", views.rules_list, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("city/", views.city, name="city"),
    path("titles/grant/", views.title_grant, name="titles"),
    path("titles/<int:title_id>/revoke/", views.title_revoke, name="title_revoke"),
]
