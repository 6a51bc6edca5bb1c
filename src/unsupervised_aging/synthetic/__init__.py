"""Synthetic demo cohort: open-field poses of mice whose behaviour changes with age.

See docs/architecture.md#demo.
"""

from unsupervised_aging.synthetic.body import JABS_BODYPARTS
from unsupervised_aging.synthetic.cohort import ARENA_PX, CM_PER_PIXEL, simulate_cohort
from unsupervised_aging.synthetic.motifs import AGE_RANGE_WEEKS, MOTIFS

__all__ = ["AGE_RANGE_WEEKS", "ARENA_PX", "CM_PER_PIXEL", "JABS_BODYPARTS", "MOTIFS", "simulate_cohort"]
