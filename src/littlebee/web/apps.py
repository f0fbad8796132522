from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site's own pages, which gather from every app: the home page and the staff dashboard.

    It sits on top of the layers (DESIGN.md, "Dependencies run one way"): it may read from any
    app, and no app imports it."""

    name = "littlebee.web"
    verbose_name = "Web"
