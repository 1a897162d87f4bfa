# English numbers: 1,100 (Django's en formats; said here so both languages are in one place).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
