"""The Job controller: run pods to completion, retry failures with back-off, stop at the limits (upstream pkg/controller/job)."""

from __future__ import annotations

import copy

from k8slab.controllers.job_sync import plan_job
from k8slab.controllers.refmanager import claim
from k8slab.controllers.util import controller_of, pod_from_template, selector_of, slow_start_batch
from k8slab.controllers.workload import WorkloadController
from k8slab.errors import K8sLabError

__all__ = ["JobController", "job_selector_labels"]


def job_selector_labels(job: dict) -> dict:
    """The labels the apiserver gives a Job's pod template (upstream: pkg/registry/batch/job/strategy.go
    generateSelector): the Job's UID and name, under the batch.kubernetes.io/ prefix and the legacy keys."""
    uid, name = job["metadata"]["uid"], job["metadata"]["name"]
    return {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
            "controller-uid": uid, "job-name": name}


class JobController(WorkloadController):
    """kube-controller-manager's Job controller, on the lab's clock.

    Each sync is :func:`k8slab.controllers.job_sync.plan_job` (pure). The lab's apiserver does not generate a
    Job's selector, so this controller adds it (and the template labels) on the first sync, as the apiserver would
    have on create.
    """

    name = "job-controller"
    watches = ("jobs", "pods")
    informers = {"jobs": "jobs", "pods": "pods"}
    primary = "jobs"

    def attach(self, lab) -> None:
        self.job_res = lab.api.resource("jobs")
        self.pod_res = lab.api.resource("pods")
        self._counted: dict[str, set[str]] = {}
        super().attach(lab)

    def resync(self) -> None:
        super().resync()
        # finished pods that exist were counted in their Job's status before the save
        self._counted = {}
        for job in self.jobs.list():
            self._counted[job["metadata"]["uid"]] = {
                p["metadata"]["uid"] for p in self.pods.owned_by(job["metadata"]["uid"])
                if (p.get("status") or {}).get("phase") in ("Succeeded", "Failed")}

    def keys_for(self, event_type: str, obj: dict):
        if obj.get("kind") == "Job":
            if event_type == "DELETED":
                self._counted.pop(obj["metadata"].get("uid"), None)
            yield self.jobs.key(obj)
            return
        ref = controller_of(obj)
        if ref is not None and ref.get("kind") == "Job":
            yield f"{obj['metadata'].get('namespace') or ''}/{ref.get('name')}"

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        job = self.jobs.get(ns, name)
        if job is None:
            return
        if not job["spec"].get("selector") and not job["spec"].get("manualSelector"):
            self._generate_selector(job)
            return  # the update comes back as an event
        uid = job["metadata"]["uid"]
        selector = selector_of(job["spec"].get("selector"))
        owned = self.pods.owned_by(uid)
        orphans = self.pods.orphans(ns)
        pods = claim(self.api, self.pod_res, job, owned, orphans, selector) if orphans else owned
        plan = plan_job(job, pods, self._counted.get(uid, set()), self.env.now)
        self._counted[uid] = plan.counted
        ok = self._apply(job, plan)
        fresh = self.jobs.get(ns, name)
        if fresh is not None and plan.status != (fresh.get("status") or {}):
            live = copy.deepcopy(self.api.get(self.job_res, ns, name))
            live["status"] = plan.status
            self.api.write_status(self.job_res, live)
        for ev in plan.events:
            self.lab.events.record(self.jobs.get(ns, name) or job, *ev, self.name)
        if plan.requeue_after is not None:
            self.add_after(key, plan.requeue_after)
        if ok:
            self.forget(key)
        else:
            self.retry(key)

    def _generate_selector(self, job: dict) -> None:
        live = copy.deepcopy(self.api.get(self.job_res, job["metadata"]["namespace"], job["metadata"]["name"]))
        labels = job_selector_labels(live)
        live["spec"]["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": labels[
            "batch.kubernetes.io/controller-uid"]}}
        meta = live["spec"].setdefault("template", {}).setdefault("metadata", {})
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
        live["metadata"]["labels"] = {**labels, **(live["metadata"].get("labels") or {})}
        for k in ("controller-uid", "batch.kubernetes.io/controller-uid"):
            live["metadata"]["labels"].pop(k, None)
        self.api.update(live)

    def _apply(self, job: dict, plan) -> bool:
        ns = job["metadata"]["namespace"]
        record = self.lab.events.record
        ok = True
        for pod in plan.delete:
            try:
                self.api.delete(self.pod_res, ns, pod["metadata"]["name"])
                record(job, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", self.name)
            except K8sLabError as e:
                if e.reason != "NotFound":
                    record(job, "Warning", "FailedDelete", f"Error deleting: {e.message}", self.name)
                    ok = False
        if plan.create:
            templates = iter(plan.create)

            def create_one():
                template = next(templates)
                pod = pod_from_template(template, job, ns)
                if (template.get("metadata") or {}).get("generateName"):
                    pod["metadata"]["generateName"] = template["metadata"]["generateName"]
                try:
                    created = self.api.create(pod)
                except K8sLabError as e:
                    record(job, "Warning", "FailedCreate", f"Error creating: {e.message}", self.name)
                    raise
                record(job, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", self.name)

            _, err = slow_start_batch(len(plan.create), 1, create_one)
            ok = ok and err is None
        return ok
