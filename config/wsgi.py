import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.startup import verify_services_or_exit  # noqa: E402

verify_services_or_exit(serving=True)
