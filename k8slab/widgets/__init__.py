"""ipywidgets UIs for the chapters, one module per chapter; each wraps a pure function whose result is ``w.result``.

ipywidgets is imported only when a widget is built, so ``import k8slab.widgets`` stays light.
"""

from k8slab.widgets.request_flow import RequestFlow, request_flow, request_flow_widget

__all__ = ["RequestFlow", "request_flow", "request_flow_widget"]
