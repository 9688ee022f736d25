"""Batch drawings: Gantt rows per pod, CronJob bands, workflow DAG and schedule."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import k8slab as kl  # noqa: E402
from k8slab.experiments import JobWatch, PodWatch, run_job  # noqa: E402
from k8slab.plot.batch import draw_cronjob_timeline, draw_job_gantt, draw_workflow, draw_workflow_gantt  # noqa: E402
from k8slab.workflows import load_workflow  # noqa: E402


def test_the_gantt_has_a_row_per_pod_and_says_the_most_at_once():
    run = run_job(5, 2, 5)
    ax = draw_job_gantt(run.watch, "work", parallelism=2)
    assert len(ax.get_yticklabels()) == 5
    assert ax.get_title() == "Job work: 5 pods, at most 2 running at once (parallelism 2)"
    plt.close("all")


def test_the_cronjob_timeline_marks_replaced_jobs():
    lab = kl.Cluster.from_preset("aks-3node")
    jobs = JobWatch(lab)
    lab.apply("data/manifests/20-batch-and-workflows/cronjobs.yaml")
    lab.run(300)
    ax = draw_cronjob_timeline(jobs, ["report-allow", "report-replace"])
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert len(crosses) == sum(r.replaced for r in jobs.of("report-replace"))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["report-allow", "report-replace"]
    plt.close("all")


def test_the_workflow_drawings_show_every_step_with_its_state():
    lab = kl.Cluster.from_preset("aks-3node")
    wf = load_workflow(lab, "data/manifests/20-batch-and-workflows/pipeline.yaml").run()
    ax = draw_workflow(wf)
    texts = [t.get_text().split("\n")[:2] for t in ax.texts]
    assert sorted(texts) == sorted([[n, "Succeeded"] for n in wf.steps])
    ax = draw_workflow_gantt(wf)
    bold = [p.get_linewidth() for p in ax.patches]
    assert sum(w > 2 for w in bold) == len(wf.critical_path())
    plt.close("all")
