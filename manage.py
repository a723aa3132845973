#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys

# Commands that serve or change data must not start against services they cannot reach.
COMMANDS_NEEDING_SERVICES = {"runserver", "migrate", "load_demo", "createsuperuser", "shell", "run_deadlines"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        print(f"启动失败：{exc}", file=sys.stderr)
        sys.exit(3)
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS_NEEDING_SERVICES and os.environ.get("RUN_MAIN") != "true":
        from config.startup import verify_services_or_exit

        verify_services_or_exit()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
