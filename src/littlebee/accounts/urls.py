from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/sms-code/", views.register_sms_code, name="register_sms_code"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sms-code/", views.password_reset_sms_code, name="password_reset_sms_code"),
    path("me/password/", views.password_change, name="password_change"),
    path("login/", views.login_view, name="login"),
    path("login/sms-code/", views.sms_code_request, name="sms_code"),
    path("logout/", views.logout_view, name="logout"),
    path("logout/everywhere/", views.logout_everywhere_view, name="logout_everywhere"),
    path("me/", views.profile, name="profile"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
    path("me/checkin/", views.checkin_resubmit, name="checkin_resubmit"),
    path("staff/checkins/", views.checkin_queue, name="checkin_queue"),
    path("staff/checkins/<int:profile_id>/confirm", views.checkin_confirm, name="checkin_confirm"),
    path("staff/checkins/<int:profile_id>/reject", views.checkin_reject, name="checkin_reject"),
    path("staff/employment/", views.employment_queue, name="employment_queue"),
    path(
        "staff/employment/<int:profile_id>/confirm",
        views.employment_confirm,
        name="employment_confirm",
    ),
    path("staff/employment/<int:profile_id>/reject", views.employment_reject, name="employment_reject"),
]
