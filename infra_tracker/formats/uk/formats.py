"""Ukrainian pages: 1 100 with a no-break space; dates shown day first (12.11.2026), typed
that way or as ISO."""

from infra_tracker.formats import (
    DAY_FIRST_DATES,
    DAY_FIRST_DATETIMES,
    ISO_DATES,
    ISO_DATETIMES,
    TIMES,
)

# A no-break space (U+00A0) between thousands. Django's uk formats have the separator but
# no grouping; the rest comes from them.
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = ","
# Dates as the pages write them ("4 лютого 2026", the genitive month name; Django's own
# "d E Y" with the year word gives "04 лютого 2026 р."): the reports and the admin use these.  # noqa: RUF003
DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"

DATE_INPUT_FORMATS = [*DAY_FIRST_DATES, *ISO_DATES]
DATETIME_INPUT_FORMATS = [*DAY_FIRST_DATETIMES, *ISO_DATETIMES]
TIME_INPUT_FORMATS = TIMES
