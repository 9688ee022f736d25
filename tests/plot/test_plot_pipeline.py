"""The pipeline summary: one entry per stage, failures stop the request, unused stages are skipped."""

import matplotlib
import pytest

matplotlib.use("Agg")

from k8slab.apiserver.server import Step  # noqa: E402
from k8slab.plot.pipeline import STAGES, draw_pipeline, pipeline_stages  # noqa: E402

OK = [Step("authentication", "ok", "admin"), Step("authorization", "allowed", "RBAC"),
      Step("mutating admission", "ok", "NamespaceLifecycle"), Step("mutating admission", "ok", "ServiceAccount"),
      Step("validation", "ok"), Step("storage", "stored", "/registry/pods/default/web")]


@pytest.mark.parametrize("trace, states", [
    (OK, ["passed", "passed", "passed", "passed", "skipped", "passed"]),
    (OK[:2] + [Step("mutating admission", "ok", "x"), Step("validation", "invalid", "spec: Required value")],
     ["passed", "passed", "passed", "failed", "not reached", "not reached"]),
    ([Step("authentication", "ok"), Step("authorization", "denied", "forbidden")],
     ["passed", "failed", "not reached", "not reached", "not reached", "not reached"]),
    (OK[:5] + [Step("storage", "exists")], ["passed", "passed", "passed", "passed", "skipped", "failed"]),
    ([], ["not reached"] * 6),
], ids=["a stored pod passes every stage but the unused validating admission",
        "an invalid object stops at validation", "a denied request stops at authorization",
        "an existing name fails at storage", "a request rejected before the pipeline reaches nothing"])
def test_each_stage_gets_the_state_the_trace_implies(trace, states):
    assert [s["state"] for s in pipeline_stages(trace)] == states
    assert [s["stage"] for s in pipeline_stages(trace)] == list(STAGES)


def test_details_list_the_admission_plugins_that_ran_and_the_failure():
    stages = pipeline_stages(OK)
    assert stages[2]["details"] == ["NamespaceLifecycle", "ServiceAccount"]
    bad = pipeline_stages([Step("authentication", "ok"), Step("authorization", "denied", "no RBAC rule")])
    assert bad[1]["details"] == ["denied: no RBAC rule"]


def test_draw_returns_ax_with_one_box_per_stage():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert draw_pipeline(OK, ax=ax, title="t", highlight=2) is ax
    assert len(ax.patches) == 2 * len(STAGES) - 1  # boxes and the arrows between them
    plt.close(fig)
