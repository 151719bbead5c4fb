"""Metrics: optimal-transport distances, mode coverage, robust accuracy."""

from saddle.metrics.transport import wasserstein

__all__ = ["wasserstein"]
