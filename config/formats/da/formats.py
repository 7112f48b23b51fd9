"""Django's Danish formats with the portal's dates (partnership/formats.py holds the rule):
the month written out everywhere, also where Django's own Danish short formats would write
06.12.2026. Read by Django through FORMAT_MODULE_PATH."""

from partnership.formats import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONTH_DAY_FORMAT,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)

SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "MONTH_DAY_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
]
