# Ukrainian numbers: 1 100 with a no-break space (U+00A0) between thousands. Django's
# uk formats have the separator but no grouping; the rest comes from them.
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = ","
