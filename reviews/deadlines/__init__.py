"""Deadline sweeps (issue 19): the registry and every sweep of the review chain.

``registry.run_sweep(code, today)`` / ``registry.run_group(today, group)``; the sweeps register
themselves when their modules are imported here.
"""

from . import reminders, results, sweeps  # noqa: F401 - register the sweeps
from .registry import REMINDER, SWEEP, SWEEPS, SweepResult, register, run_group, run_sweep

__all__ = ["REMINDER", "SWEEP", "SWEEPS", "SweepResult", "register", "run_group", "run_sweep"]
