#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys

# Commands that serve or change data must not start against services they cannot reach.
COMMANDS_NEEDING_SERVICES = {"runserver", "migrate", "load_demo", "createsuperuser", "shell", "run_deadlines"}
# Commands of the contracts in ../shared/spec/: they must work on a fresh clone without a manual migrate.
CONTRACT_COMMANDS = {"check_eligibility", "working_days"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        print(f"启动失败：{exc}", file=sys.stderr)
        sys.exit(3)
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in COMMANDS_NEEDING_SERVICES | CONTRACT_COMMANDS and os.environ.get("RUN_MAIN") != "true":
        from config.startup import ensure_migrated, verify_services_or_exit

        verify_services_or_exit()
        if command in CONTRACT_COMMANDS:
            ensure_migrated()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
