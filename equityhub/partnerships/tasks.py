"""The consortium's background work (django-tasks; the worker is `equityhub db_worker`).

`sweep_task` runs `services_agreements.sweep()`: agreements past their expiry date become
expired, and the renewal reminders that are due (90 and 30 days before expiry) go out. Enqueue
it from a scheduler, or run `equityhub partnerships-sweep` from cron (which calls the service
directly).
"""

from __future__ import annotations

from django_tasks import task

from equityhub.partnerships import services_agreements


@task()
def sweep_task() -> dict[str, int]:
    """One pass of the periodic work; returns what it did (a JSON-friendly dict of counts)."""
    return services_agreements.sweep()
