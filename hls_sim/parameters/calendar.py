"""Calendar facts the model counts in (not assumptions: one step is one week)."""

WEEKS_PER_YEAR = 52
WEEKS_PER_QUARTER = 13
