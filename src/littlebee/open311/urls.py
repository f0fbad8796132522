from django.urls import path, re_path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:fmt>", views.discovery, name="discovery"),
    path("services.<open311_format:fmt>", views.services_list, name="services"),
    path("services/<slug:code>.<open311_format:fmt>", views.service_definition, name="service"),
    path("requests.<open311_format:fmt>", views.requests_view, name="requests"),
    path("requests/<str:request_id>.<open311_format:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<open311_format:fmt>", views.token_detail, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
