"""Run a management command in-process as other systems see it: exit code, stdout, stderr."""

import io
import sys

from django.core.management import call_command


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_err, sys.stderr = sys.stderr, err
    try:
        call_command(name, *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stderr = old_err
    return code, out.getvalue(), err.getvalue()
