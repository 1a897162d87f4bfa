"""Background work of the incidents app, found here by Celery's autodiscovery.

The import task lives with the rest of an import job's life, in incidents.imports.jobs.
"""

from incidents.imports.jobs import requeue_stale_imports_on_start, run_import

__all__ = ["requeue_stale_imports_on_start", "run_import"]
