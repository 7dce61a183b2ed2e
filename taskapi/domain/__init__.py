"""The domain's pure rules (recurrence, iCalendar, time zones, task rules): no I/O, no web."""
