"""Volunteering's background work (django-tasks; the worker is `equityhub db_worker`).

`sweep_task` runs `services.sweep()`: lapse expired seat offers and offer the seats on, send due
shift reminders, and tell owners about credentials that expire soon. Enqueue it from a scheduler,
or run `equityhub volunteering-sweep` from cron (which calls the service directly).
"""

from __future__ import annotations

from django_tasks import task

from equityhub.volunteering import services


@task()
def sweep_task() -> dict[str, int]:
    """One pass of the periodic work; returns what it did (a JSON-friendly dict of counts)."""
    return services.sweep()
