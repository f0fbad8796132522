from django.contrib import admin
from django.urls import include, path

from littlebee.accounts import views as account_views
from littlebee.api import api, api_docs

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", api_docs, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in through our login page, which counts failures and locks out guessers;
    # Django's own admin login form would bypass that.
    path("admin/login/", account_views.admin_login_redirect, name="admin-login"),
    path("admin/", admin.site.urls),
    # The worker's home sits at the root, outside the accounts namespace: reverse("home").
    path("", account_views.home, name="home"),
    path("hives/", include("littlebee.hives.urls")),
    path("", include("littlebee.accounts.urls")),
]
