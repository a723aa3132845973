#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys

# Commands that serve or change data must not start against services they cannot reach.
COMMANDS_NEEDING_SERVICES = {"runserver", "migrate", "load_demo", "createsuperuser", "shell", "outbox_sweep"}
# Commands of the contracts in ../shared/spec/: they must work on a fresh clone without a manual migrate.
CONTRACT_COMMANDS = {"check_eligibility", "working_days"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    from config.startup import settings_or_exit

    settings_or_exit()
    django.setup()
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in COMMANDS_NEEDING_SERVICES | CONTRACT_COMMANDS and os.environ.get("RUN_MAIN") != "true":
        from config.startup import ensure_migrated, verify_services_or_exit

        verify_services_or_exit(web=command == "runserver")
        if command in CONTRACT_COMMANDS:
            ensure_migrated()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
