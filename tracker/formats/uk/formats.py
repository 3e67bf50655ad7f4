"""Ukrainian: Django's uk formats (600 000 with a no-break space, decimal comma), with the tracker's own
date forms: 21.11.2025 in tables, 21 листопада 2025 in running text (the month in the genitive)."""

TRACKER_SHORT_DATE = "d.m.Y"
TRACKER_LONG_DATE = "j E Y"
TRACKER_DAY_MONTH = "d.m"
