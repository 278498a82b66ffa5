"""Retention and compaction (to be completed by the retention issue).

Owns ``LogCleaner``: the periodic retention check in virtual time. Standard library only.
"""

from __future__ import annotations

from typing import Any


class LogCleaner:
    """Runs time/size retention and compaction for every partition of a cluster."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster

    def start(self) -> None:
        """Schedule the first check (``log.initial.task.delay.ms``) and the periodic ones."""
