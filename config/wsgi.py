import os

from django.core.wsgi import get_wsgi_application

from config.startup import settings_or_exit, verify_services_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
settings_or_exit()
application = get_wsgi_application()
if os.environ.get("ZC_SERVICES_VERIFIED_BY_MASTER") != "1":  # gunicorn's master checked them (gunicorn.conf.py)
    verify_services_or_exit(serving=True, web=True)
