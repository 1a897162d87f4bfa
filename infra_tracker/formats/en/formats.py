"""English pages: 1,100; dates shown as ISO (2026-11-12), typed as ISO or day first
(12.11.2026)."""

from infra_tracker.formats import (
    DAY_FIRST_DATES,
    DAY_FIRST_DATETIMES,
    ISO_DATES,
    ISO_DATETIMES,
    TIMES,
)

# Django's en formats; said here so both languages are in one place.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."

DATE_INPUT_FORMATS = [*ISO_DATES, *DAY_FIRST_DATES]
DATETIME_INPUT_FORMATS = [*ISO_DATETIMES, *DAY_FIRST_DATETIMES]
TIME_INPUT_FORMATS = TIMES
