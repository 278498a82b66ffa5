"""Shared fixtures: a fresh cluster, a config for it, and Hypothesis profiles."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import kafkalab

settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("KAFKALAB_HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def cluster() -> kafkalab.Cluster:
    """A new cluster at virtual time 0 with seed 7."""
    return kafkalab.Cluster(seed=7)


@pytest.fixture
def conf(cluster: kafkalab.Cluster) -> dict:
    """Client config pointing at ``cluster``."""
    return {"bootstrap.servers": cluster.bootstrap_servers}
