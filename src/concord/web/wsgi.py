"""WSGI entry point (``gunicorn concord.web.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.web.settings")
application = get_wsgi_application()
