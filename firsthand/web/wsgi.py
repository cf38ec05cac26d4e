"""The WSGI application, for `firsthand serve` and for any production WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")
application = get_wsgi_application()
