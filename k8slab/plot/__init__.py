"""Drawings of a lab (matplotlib and networkx, imported only when a function draws): take ax=None, return ax."""

from k8slab.plot.architecture import architecture_graph, draw_architecture
from k8slab.plot.pipeline import draw_pipeline, pipeline_stages

__all__ = ["architecture_graph", "draw_architecture", "draw_pipeline", "pipeline_stages"]
