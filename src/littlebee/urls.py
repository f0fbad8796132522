from django.contrib import admin
from django.urls import include, path

from littlebee.api import api, api_docs

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", api_docs, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("littlebee.accounts.urls")),
]
