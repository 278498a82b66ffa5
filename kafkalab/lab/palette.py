"""The colour-blind-safe palette every kafkalab plot uses: Okabe & Ito's eight colours.

Lab layer; no engine imports. Names say the colour, roles say what it marks in plots.
"""

from __future__ import annotations

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

#: The cycle for series (partitions, members, groups), most distinguishable first.
CYCLE = (BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, YELLOW, BLACK)

#: Roles: the same meaning gets the same colour in every plot.
OK = BLUE              # delivered once, committed record, live ownership
WARN = ORANGE          # open transaction, pending
BAD = VERMILLION       # redelivered, aborted, crash, duplicate
MARKER = BLUISH_GREEN  # control records (transaction markers)
MUTED = GREY           # deleted, invisible, background


def color(i: int) -> str:
    """The ``i``-th colour of ``CYCLE`` (wrapping around)."""
    return CYCLE[i % len(CYCLE)]
