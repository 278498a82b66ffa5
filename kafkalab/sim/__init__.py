"""Simulated applications and scenarios that run by themselves in virtual time.

``Scenario`` holds a cluster, its apps (``ConsumerApp``, ``ShareConsumerApp``, ``ProducerApp``, ``PipelineApp``) and a
script of timed actions; ``library`` holds the named scenarios the notebooks use. Standard library
only (plus the kafkalab engine).
"""

from . import library
from .apps import CRASH_POINTS, App
from .apps_consumer import COMMIT_POLICIES, ConsumerApp
from .apps_pipeline import PipelineApp
from .apps_producer import ProducerApp
from .apps_share import ShareConsumerApp
from .scenario import Scenario

__all__ = ["COMMIT_POLICIES", "CRASH_POINTS", "App", "ConsumerApp", "PipelineApp", "ProducerApp", "Scenario",
           "ShareConsumerApp", "library"]

