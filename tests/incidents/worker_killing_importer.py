"""Imported by a test worker (`celery worker --include`): its GPPD importer kills the
worker's own process on the first row, as a file that exhausts the memory would."""

from __future__ import annotations

import os
import signal

from incidents.imports import formats
from incidents.imports.base import Record
from incidents.imports.gppd import GppdImporter
from incidents.models import ImportJob


class WorkerKillingImporter(GppdImporter):
    def import_record(self, record: Record) -> str:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable: the process is gone")


formats.IMPORTERS[ImportJob.Format.GPPD] = WorkerKillingImporter
