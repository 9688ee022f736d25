"""The pod worker: one per pod on a node, syncing the pod's containers to its spec on the simulated clock.

The sync follows kubelet's SyncPod / computePodActions (pkg/kubelet/kuberuntime/kuberuntime_manager.go):
create the sandbox, run init containers in order (sidecars stay up), start the containers, restart what
exited as restartPolicy says, with the crash-loop back-off, and kill what failed its liveness probe.
"""

from __future__ import annotations

import simpy

from k8slab.kubelet.backoff import go_duration
from k8slab.kubelet.hooks import run_hook
from k8slab.kubelet.images import _resolve
from k8slab.kubelet.probes import PROBE_TYPES, ProbeWorker
from k8slab.kubelet.runtime import Container, container_hash
from k8slab.kubelet.status import get_phase, is_sidecar
from k8slab.registry import behavior_for

__all__ = ["PodWorker", "WORKER_BACKOFF", "MIN_GRACE"]


class _Exited:
    state = "exited"


_EXITED = _Exited()

#: upstream: pkg/kubelet/kubelet.go backOffPeriod, the pod worker's retry after a failed sync (jitter not simulated)
WORKER_BACKOFF = 10.0
#: upstream: pkg/kubelet/kuberuntime/kuberuntime_container.go minimumGracePeriodInSeconds
MIN_GRACE = 2


class PodWorker:
    """Syncs one pod: a SimPy process woken by changes (container exits, probe results, spec updates, deletion)."""

    def __init__(self, kubelet, pod: dict):
        self.kubelet = kubelet
        self.env = kubelet.env
        self.api = kubelet.api
        self.pod = pod
        meta = pod["metadata"]
        self.uid = meta["uid"]
        self.name = meta["name"]
        self.namespace = meta.get("namespace") or "default"
        self.fmt = f"{self.name}_{self.namespace}({self.uid})"  # upstream: pkg/kubelet/util/format Pod
        self.ip: str | None = None
        self.instances: dict[str, list[Container]] = {}
        self.attempts: dict[str, int] = {}  # containers created so far, per name (restartCount = attempts - 1)
        self.reasons: dict[str, tuple[str, str]] = {}  # upstream: the kubelet's reasonCache
        self.probes: dict[str, list[ProbeWorker]] = {}
        self.start_time: float | None = None
        self.rejected: tuple[str, str] | None = None
        self.cancelled = False
        self.finished = False
        self.terminal_phase: str | None = None
        self.wake = None
        self.dirty = False
        self.syncing = False
        self.requeue: float | None = None
        self.evicted: tuple[str, str] | None = None  # (reason, message) when the kubelet ends the pod itself
        self.process = None

    # -- wiring ----------------------------------------------------------------------------------
    def begin(self) -> None:
        self.process = self.env.process(self._run())

    def kick(self) -> None:
        """Something changed: sync again (upstream: a PLEG event, a probe result, a pod update)."""
        self.dirty = True
        if self.wake is not None and not self.wake.triggered:
            self.wake.succeed()

    def update(self, pod: dict) -> None:
        old = self.pod
        self.pod = pod
        if self.finished:
            return
        deleting = pod["metadata"].get("deletionTimestamp")
        if deleting and not old["metadata"].get("deletionTimestamp") or \
                deleting and pod["metadata"].get("deletionGracePeriodSeconds") != \
                old["metadata"].get("deletionGracePeriodSeconds"):
            if self.syncing and self.process is not None and self.process.is_alive \
                    and self.env.active_process is not self.process:
                self.process.interrupt("terminate")
            self.kick()
        elif pod["metadata"].get("generation") != old["metadata"].get("generation"):
            self.kick()

    def removed(self) -> None:
        """The pod is gone from the API (a forced delete): stop everything at once."""
        if self.finished:
            return
        self.cancelled = True
        self.finished = True
        for insts in self.instances.values():
            for inst in insts:
                if inst.state == "running":
                    inst.exit(137, "Error")
        self._stop_all_probes()
        self.kubelet.release(self)
        if self.process is not None and self.process.is_alive and self.syncing \
                and self.env.active_process is not self.process:
            self.process.interrupt("removed")
        self.kick()

    def adopt(self) -> None:
        """Rebuild the runtime's view from the pod's status (after ``Cluster.load``): the containers it reports
        running go on running, the terminated ones stay terminated (the runtime's own state is not saved)."""
        from k8slab.kubectl.format import parse_time

        status = self.pod.get("status") or {}
        spec = self.pod.get("spec") or {}
        self.ip = status.get("podIP")
        self.start_time = parse_time(status.get("startTime"))
        by_name = {c["name"]: (c, "sidecar" if is_sidecar(c) else "init") for c in spec.get("initContainers") or ()}
        by_name.update({c["name"]: (c, "regular") for c in spec.get("containers") or ()})
        for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            found = by_name.get(cs.get("name"))
            if found is None or not cs.get("containerID"):
                continue
            c, kind = found
            restarts = cs.get("restartCount", 0)
            last = (cs.get("lastState") or {}).get("terminated")
            state = cs.get("state") or {}
            insts = []
            if last:
                insts.append(self._adopted(c, kind, max(restarts - 1, 0), cs, {"terminated": last}))
            if "running" in state or "terminated" in state:
                insts.append(self._adopted(c, kind, restarts, cs, state))
            self.instances[c["name"]] = insts
            self.attempts[c["name"]] = restarts + 1

    def _adopted(self, c: dict, kind: str, attempt: int, cs: dict, state: dict) -> Container:
        from k8slab.kubectl.format import parse_time

        inst = Container(self, c, kind, attempt, cs.get("image", ""), cs.get("imageID", ""), self._behavior(c))
        if "running" in state:
            inst.resume(parse_time(state["running"].get("startedAt")) or self.env.now)
            inst.started = bool(cs.get("started"))
            inst.ready = bool(cs.get("ready"))
            self._start_probes(inst)
        else:
            t = state["terminated"]
            inst.started_at = parse_time(t.get("startedAt"))
            inst.state = "exited"
            inst.finished_at = parse_time(t.get("finishedAt")) or self.env.now
            inst.exit_code = t.get("exitCode", 0)
            inst.reason = t.get("reason") or ("Completed" if inst.exit_code == 0 else "Error")
        return inst

    # -- events ----------------------------------------------------------------------------------
    def pod_event(self, type_: str, reason: str, message: str) -> None:
        self.kubelet.event(self.pod, type_, reason, message)

    def container_event(self, container: str, type_: str, reason: str, message: str) -> None:
        # upstream events carry fieldPath spec.containers{name}; the lab's EventRecorder keeps the pod reference
        self.kubelet.event(self.pod, type_, reason, message)

    # -- the loop ----------------------------------------------------------------------------------
    def _run(self):
        if self.rejected:
            self.kubelet.status.write_rejected(self)
            self.finished = True
            return
        while not self.cancelled:
            if self.pod["metadata"].get("deletionTimestamp"):
                yield from self._terminate()
                return
            if self.evicted is not None:
                yield from self._end_evicted()
                return
            self.dirty = False
            self.requeue = None
            self.syncing = True
            try:
                yield from self._sync()
            except simpy.Interrupt:
                self.syncing = False
                continue
            self.syncing = False
            if self.cancelled:
                return
            self.kubelet.status.request(self)
            if self.terminal_phase is not None:
                yield from self._kill_all(self._grace(), "Stopping container {}")
                self.kubelet.status.write(self)
                self.kubelet.release(self)
                self.finished = True
                return
            if self.dirty:
                continue
            self.wake = self.env.event()
            waits = [self.wake]
            if self.requeue is not None:
                waits.append(self.env.timeout(max(0.0, self.requeue - self.env.now)))
            yield self.env.any_of(waits)
            self.wake = None

    def _requeue(self, at: float) -> None:
        if self.requeue is None or at < self.requeue:
            self.requeue = at

    def _grace(self) -> int:
        meta, spec = self.pod["metadata"], self.pod.get("spec") or {}
        grace = meta.get("deletionGracePeriodSeconds")
        return int(spec.get("terminationGracePeriodSeconds", 30) if grace is None else grace)

    # -- sync --------------------------------------------------------------------------------------
    def _sync(self):
        spec = self.pod.get("spec") or {}
        if self.start_time is None:
            # upstream: generateAPIPodStatus runs before SyncPod, so the first status is Pending/ContainerCreating
            self.start_time = self.env.now
            deadline = spec.get("activeDeadlineSeconds")
            if deadline is not None:
                timer = self.env.timeout(max(0.0, float(deadline)))
                timer.callbacks.append(self._deadline)
            self.kubelet.status.request(self)
        if self.ip is None:
            failure = self.kubelet.create_sandbox(self)
            if failure is not None:
                self._requeue(self.env.now + failure)
                return
        wait = self.kubelet.volumes.mount(self)
        if wait is not None:
            self._requeue(self.env.now + wait)
            return
        snapshot = {name: next((i for i in reversed(insts) if i.state == "exited"), None)
                    for name, insts in self.instances.items()}
        policy = spec.get("restartPolicy", "Always")
        yield from self._kill_unhealthy(spec, policy)
        if not (yield from self._init_containers(spec, policy, snapshot)):
            self._check_terminal(spec)
            return
        keep = 0
        for c in spec.get("containers") or ():
            if self._should_start(c, policy):
                keep += 1
                yield from self._start(c, "regular", snapshot)
            elif (self._latest(c["name"]) or _EXITED).state != "exited":
                keep += 1
        if keep == 0:
            # upstream: computePodActions "keepCount == 0 && len(ContainersToStart) == 0" -> KillPod (sidecars too)
            yield from self._kill_all(self._grace(), "Stopping container {}")
        self._check_terminal(spec)

    def _latest(self, name: str) -> Container | None:
        insts = self.instances.get(name)
        return insts[-1] if insts else None

    def _should_start(self, c: dict, policy: str) -> bool:
        # upstream: pkg/kubelet/container/helpers.go ShouldContainerBeRestarted
        latest = self._latest(c["name"])
        if latest is None:
            return True
        if latest.state != "exited":
            return False
        if policy == "Never":
            return False
        if policy == "OnFailure" and latest.exit_code == 0:
            return False
        return True

    def _kill_unhealthy(self, spec: dict, policy: str):
        containers = [c for c in spec.get("initContainers") or () if is_sidecar(c)] + list(spec.get("containers") or ())
        for c in containers:
            inst = self._latest(c["name"])
            if inst is None or inst.state != "running":
                continue
            restart = is_sidecar(c) or policy != "Never"
            grace = None
            if inst.hash != container_hash(c):
                message, restart = f"Container {c['name']} definition changed", True
            elif inst.liveness_failed:
                message = f"Container {c['name']} failed liveness probe"
                grace = (inst.spec.get("livenessProbe") or {}).get("terminationGracePeriodSeconds")
            elif inst.startup_failed:
                message = f"Container {c['name']} failed startup probe"
                grace = (inst.spec.get("startupProbe") or {}).get("terminationGracePeriodSeconds")
            else:
                continue
            if restart:
                message += ", will be restarted"
            yield from self._kill(inst, message, self._grace() if grace is None else int(grace))

    def _init_containers(self, spec: dict, policy: str, snapshot: dict):
        """Generator -> True once every init container has done its part (upstream: computeInitContainerActions)."""
        regular_started = any(self.instances.get(c["name"]) for c in spec.get("containers") or ())
        for c in spec.get("initContainers") or ():
            latest = self._latest(c["name"])
            if is_sidecar(c):
                if latest is None or latest.state == "exited":
                    started = yield from self._start(c, "sidecar", snapshot)
                    if not started and not regular_started:
                        return False
                    latest = self._latest(c["name"])
                if regular_started:
                    continue
                if latest is None or not (latest.state == "running" and latest.started):
                    return False
                continue
            if regular_started:
                continue  # a regular init container never runs again once the pod is initialized
            if latest is None:
                yield from self._start(c, "init", snapshot)
                return False
            if latest.state != "exited":
                return False
            if latest.exit_code == 0:
                continue
            if policy == "Never":
                return False
            yield from self._start(c, "init", snapshot)
            return False
        return True

    def _check_terminal(self, spec: dict) -> None:
        if self.terminal_phase is not None:
            return
        phase = get_phase(spec, self.kubelet.status.container_statuses(self))
        if phase in ("Succeeded", "Failed"):
            self.terminal_phase = phase

    # -- start and kill ----------------------------------------------------------------------------
    def _behavior(self, c: dict):
        try:
            return behavior_for(self.kubelet.registry, self.pod, c)
        except ValueError as e:
            self.pod_event("Warning", "InvalidK8sLabAnnotation", f"k8slab: {e}; using the image's behavior")
            pod = {**self.pod, "metadata": {**self.pod["metadata"], "annotations": {}}}
            return behavior_for(self.kubelet.registry, pod, c)

    def _start(self, c: dict, kind: str, snapshot: dict):
        """Generator -> True when the container started (upstream: SyncPod's start(), startContainer)."""
        name = c["name"]
        backoff = self.kubelet.backoff
        prev = snapshot.get(name)
        if prev is not None:
            key = f"{self.name}_{self.namespace}_{self.uid}_{name}_{container_hash(c)}"  # upstream: GetStableKey
            if backoff.is_in_backoff_since(key, prev.finished_at):
                self.container_event(name, "Warning", "BackOff",
                                     f"Back-off restarting failed container {name} in pod {self.fmt}")
                msg = (f"back-off {go_duration(backoff.get(key))} restarting failed container={name} "
                       f"pod={self.fmt}")
                self.reasons[name] = ("CrashLoopBackOff", msg)
                self._requeue(prev.finished_at + backoff.get(key))
                return False
            backoff.next(key, prev.finished_at)
        image_id, msg, err = yield from self.kubelet.images.ensure(self, c)
        if err == "Cancelled":
            return False
        if err:
            self.container_event(name, "Warning", "Failed", f"Error: {err}")
            self.reasons[name] = (err, msg)
            self._requeue(self.env.now + WORKER_BACKOFF)
            return False
        cfg = self.kubelet.config_error(self.pod, c)
        if cfg:
            self.container_event(name, "Warning", "Failed", f"Error: {cfg}")
            self.reasons[name] = ("CreateContainerConfigError", cfg)
            self._requeue(self.env.now + WORKER_BACKOFF)
            return False
        attempt = self.attempts.get(name, 0)
        self.attempts[name] = attempt + 1
        try:
            image = _resolve(c.get("image") or "")[2]  # str(parse_image(...)), memoized
        except ValueError:
            image = c.get("image") or ""
        inst = Container(self, c, kind, attempt, image, image_id, self._behavior(c))
        insts = self.instances.setdefault(name, [])
        insts.append(inst)
        if len(insts) > 2:  # the runtime keeps the last dead container (for --previous and lastState)
            del insts[0]
        self.container_event(name, "Normal", "Created", f"Created container: {name}")
        inst.start()
        self.container_event(name, "Normal", "Started", f"Started container {name}")
        self.reasons.pop(name, None)
        hook = (c.get("lifecycle") or {}).get("postStart")
        if hook:
            ok, seconds, msg = run_hook(hook, inst, self.env.now, self.ip or "", self.fmt)
            if seconds:
                yield self.env.timeout(seconds) | inst.exit_event
            if not ok and inst.state == "running":
                self.container_event(name, "Warning", "FailedPostStartHook", "PostStartHook failed")
                yield from self._kill(inst, "FailedPostStartHook", self._grace())
                self.reasons[name] = ("PostStartHookError", msg)
                self._requeue(self.env.now + WORKER_BACKOFF)
                return False
        if inst.state != "running":
            return False
        if "startupProbe" not in c:
            inst.started = True
            if "readinessProbe" not in c:
                inst.ready = True
        self._start_probes(inst)
        return True

    def _kill(self, inst: Container, message: str, grace: int):
        """Generator: preStop hook, then SIGTERM, SIGKILL after the grace period (upstream: killContainer)."""
        if inst.state != "running":
            return
        inst.stopping = True
        self._stop_probes(inst)
        self.container_event(inst.name, "Normal", "Killing", message)
        hook = (inst.spec.get("lifecycle") or {}).get("preStop")
        if hook:
            ok, seconds, _msg = run_hook(hook, inst, self.env.now, self.ip or "", self.fmt)
            took = min(seconds, grace)
            if took:
                yield self.env.timeout(took) | inst.exit_event
            if not ok:
                self.container_event(inst.name, "Warning", "FailedPreStopHook", "PreStopHook failed")
            grace -= int(took)
        grace = max(grace, MIN_GRACE)
        yield from inst.sigterm(grace)

    def _kill_all(self, grace: int, message: str):
        """Stop every running container: regular ones together, then sidecars in reverse order."""
        spec = self.pod.get("spec") or {}
        start = self.env.now
        regular = [self._latest(c["name"]) for c in list(spec.get("containers") or ()) +
                   [c for c in spec.get("initContainers") or () if not is_sidecar(c)]]
        procs = [self.env.process(self._kill(i, message.format(i.name), grace))
                 for i in regular if i is not None and i.state == "running"]
        if procs:
            yield self.env.all_of(procs)
            self.kubelet.status.write(self)
        for c in reversed([c for c in spec.get("initContainers") or () if is_sidecar(c)]):
            inst = self._latest(c["name"])
            if inst is not None and inst.state == "running":
                left = max(int(grace - (self.env.now - start)), MIN_GRACE)
                yield from self._kill(inst, message.format(inst.name), left)
                self.kubelet.status.write(self)
        self._stop_all_probes()

    def _deadline(self, _event=None) -> None:
        # upstream: pkg/kubelet/active_deadline.go (reason DeadlineExceeded)
        if self.finished or self.terminal_phase is not None or self.evicted is not None:
            return
        self.evicted = ("DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
        if self.syncing and self.process is not None and self.process.is_alive \
                and self.env.active_process is not self.process:
            self.process.interrupt("deadline")
        self.kick()

    def _end_evicted(self):
        """The kubelet ends the pod itself: it stops the containers and reports the pod Failed with a reason."""
        reason, message = self.evicted
        self.pod_event("Normal", reason, message)
        yield from self._kill_all(self._grace(), "Stopping container {}")
        self.terminal_phase = "Failed"
        self.kubelet.status.write(self)
        self.kubelet.release(self)
        self.finished = True

    def _terminate(self):
        """The pod is being deleted: stop its containers within the grace period, report, then remove it."""
        while True:
            try:
                yield from self._kill_all(self._grace(), "Stopping container {}")
                break
            except simpy.Interrupt:
                continue
        self.terminal_phase = None
        self.kubelet.status.write(self, terminal=True)
        self.kubelet.release(self)
        self.finished = True
        self.kubelet.finalize_deletion(self)

    # -- probes ------------------------------------------------------------------------------------
    def _start_probes(self, inst: Container) -> None:
        workers = []
        for field in PROBE_TYPES:
            if field in inst.spec:
                workers.append(ProbeWorker(self, inst, field))
        if workers:
            self.probes[inst.id] = workers
            for w in workers:
                w.start()

    def _stop_probes(self, inst: Container) -> None:
        for w in self.probes.pop(inst.id, ()):
            w.stopped = True

    def _stop_all_probes(self) -> None:
        for workers in self.probes.values():
            for w in workers:
                w.stopped = True
        self.probes.clear()

    def probe_result(self, inst: Container, kind: str, ok: bool) -> None:
        """A probe crossed its threshold (upstream: the results managers' updates)."""
        if inst.state != "running":
            return
        if kind == "Readiness":
            if inst.ready == ok:
                return
            inst.ready = ok
        elif kind == "Liveness":
            if ok:
                return
            inst.liveness_failed = True
        elif kind == "Startup":
            if ok:
                inst.started = True
                readiness = next((w for w in self.probes.get(inst.id, ()) if w.kind == "Readiness"), None)
                if readiness is None:
                    inst.ready = True
                else:
                    readiness.trigger()
            else:
                inst.startup_failed = True
        self.kick()

    def container_exited(self, inst: Container) -> None:
        """The runtime saw the container's process end (upstream: a PLEG ContainerDied event).

        The sync this starts reports the terminated container first (upstream: syncPod runs generateAPIPodStatus
        before SyncPod restarts it or backs off), so a watch sees Error, Completed or OOMKilled before Running or
        CrashLoopBackOff.
        """
        self._stop_probes(inst)
        if not self.finished:
            self.kubelet.status.write(self)
        self.kick()
