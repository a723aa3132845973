import os

from django.core.asgi import get_asgi_application

from config.startup import settings_or_exit, verify_services_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
settings_or_exit()
application = get_asgi_application()
verify_services_or_exit(serving=True, web=True)
