"""The date and time formats forms accept, per language (FORMAT_MODULE_PATH).

Django's own locale modules still give every format not named here. Analysts type
dates as 12.11.2026 whatever the language of the page, and ISO dates always work:
Django adds the ISO formats to every list of input formats.
"""

# The first of each list is how a form shows a value; the others are accepted too.
# No month-first (US) forms: 02/04/2026 would be read as 4 February in a Ukrainian
# report and 2 April in Django's English defaults.
DAY_FIRST_DATES = ["%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"]
DAY_FIRST_DATETIMES = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
]
ISO_DATES = ["%Y-%m-%d"]
ISO_DATETIMES = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
TIMES = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M", "%H.%M"]
