import os

from django.core.wsgi import get_wsgi_application

from littlebee.core.collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "littlebee.settings")

application = get_wsgi_application()
# Each web worker imports this once, with the project loaded: from here on, that is never garbage.
collector_tune()
