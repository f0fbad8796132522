from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from littlebee.accounts import views as account_views
from littlebee.analytics.views_appeals import appeal_figures
from littlebee.api import api, api_docs
from littlebee.appeals.views_files import appeal_attachment_file
from littlebee.cases.views_files import case_attachment_file
from littlebee.core.routing import indexed_path
from littlebee.core.views import media_serve
from littlebee.reports.views_files import report_photo_file

urlpatterns = [
    # Resolved through an index of first segments, not by trying some 300 routes in turn (core.routing).
    indexed_path("api/v1/", api.urls),
    path("api/docs", api_docs, name="api-docs"),
    # Django's set_language, remembering a signed-in person's choice (accounts.views.language_set).
    path("i18n/setlang/", account_views.language_set, name="set_language"),
    # The admin signs in through our login page, which counts failures and locks out guessers;
    # Django's own admin login form would bypass that.
    path("admin/login/", account_views.admin_login_redirect, name="admin-login"),
    path("admin/", admin.site.urls),
    # The worker's home and the staff dashboard, outside any namespace: reverse("home"), reverse("staff").
    path("", include("littlebee.web.urls")),
    path("hives/", include("littlebee.hives.urls")),
    path("points/", include("littlebee.points.urls")),
    path("rewards/", include("littlebee.rewards.urls")),
    path("inbox/", include("littlebee.notifications.urls")),
    path("reports/", include("littlebee.reports.urls")),
    # The appeals' figures page of issue 6, now the statistics' (analytics.views_appeals).
    path("appeals/figures/", appeal_figures, name="appeal-figures"),
    path("appeals/", include("littlebee.appeals.urls")),
    path("learning/", include("littlebee.learning.urls")),
    path("volunteering/", include("littlebee.volunteering.urls")),
    path("staff/cases/", include("littlebee.cases.urls")),
    path("staff/stats/", include("littlebee.analytics.urls")),
    path("privacy/", include("littlebee.privacy.urls")),
    # Open311 GeoReport v2 for partners' systems (open311.views), and the keys' staff page.
    path("open311/v2/", include("littlebee.open311.urls")),
    path("staff/partners/", include("littlebee.open311.urls_staff")),
    # Files of cases, served only to the people who may see the case (never at a /media/ path).
    path(
        "files/reports/<int:report_id>/photos/<int:photo_id>/<str:variant>",
        report_photo_file,
        name="report-photo-file",
    ),
    path(
        "files/appeals/<int:appeal_id>/attachments/<int:attachment_id>/<str:variant>",
        appeal_attachment_file,
        name="appeal-attachment-file",
    ),
    path(
        "files/cases/<int:case_id>/attachments/<int:attachment_id>", case_attachment_file, name="case-attachment-file"
    ),
    path("", include("littlebee.accounts.urls")),
]

# Uploaded media on local disk (the embedded default) are served by the app itself, only the
# public folders (core.views.PUBLIC_MEDIA_PREFIXES); with S3 storage their URLs point at the
# bucket and this route is not added.
_local_media = settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
if _local_media and settings.MEDIA_URL.startswith("/"):
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media_serve, name="media"))
