"""Ukrainian pages: dates shown day first (12.11.2026), typed that way or as ISO."""

from infra_tracker.formats import (
    DAY_FIRST_DATES,
    DAY_FIRST_DATETIMES,
    ISO_DATES,
    ISO_DATETIMES,
    TIMES,
)

DATE_INPUT_FORMATS = [*DAY_FIRST_DATES, *ISO_DATES]
DATETIME_INPUT_FORMATS = [*DAY_FIRST_DATETIMES, *ISO_DATETIMES]
TIME_INPUT_FORMATS = TIMES
