"""The kubelet's status manager: the API PodStatus built from the runtime's containers, written when it changes."""

from __future__ import annotations

from k8slab.kubelet.status import format_second, get_phase, merge_conditions, pod_conditions

__all__ = ["StatusManager"]

_TERMINAL = ("Succeeded", "Failed")


class StatusManager:
    """Writes pods' status subresource for one node's kubelet (upstream: pkg/kubelet/status/status_manager.go)."""

    def __init__(self, kubelet):
        self.kubelet = kubelet
        self.api = kubelet.api
        self.res = kubelet.api.resource("pods")
        self.writes = 0
        self._dirty: dict[str, object] = {}

    def request(self, pw) -> None:
        """Ask for a status write at the end of this instant: changes made at the same simulated time go out as
        one update (upstream's status manager syncs asynchronously, from its own goroutine)."""
        if not self._dirty:
            flush = pw.env.timeout(0)
            flush.callbacks.append(self._flush)
        self._dirty[pw.uid] = pw

    def _flush(self, _event=None) -> None:
        dirty, self._dirty = self._dirty, {}
        for pw in dirty.values():
            if not pw.finished or pw.terminal_phase is not None:
                self.write(pw)

    def _container_status(self, pw, c: dict, default_reason: str) -> dict:
        # upstream: pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses
        name = c["name"]
        insts = pw.instances.get(name)
        latest = insts[-1] if insts else None
        # the keys in the order the lab has always written them (stored bytes follow dict order)
        if latest is None:
            cs = {"image": c.get("image") or "", "imageID": "", "lastState": {}, "name": name, "ready": False,
                  "restartCount": 0, "started": False, "state": {"waiting": {"reason": default_reason}}}
        else:
            state = latest.state
            running = state == "running"
            if latest.kind == "init":
                # upstream: prober_manager.go UpdatePodStatus: an init container is ready once it exited 0
                ready = state == "exited" and latest.exit_code == 0
            else:
                ready = latest.ready and running
            cs = {"image": latest.image, "imageID": latest.image_id,
                  "lastState": {"terminated": insts[-2].terminated()}
                  if len(insts) > 1 and insts[-2].state == "exited" else {},
                  "name": name, "ready": bool(ready), "restartCount": latest.attempt,
                  "started": bool(latest.started and running), "state": latest.state_dict(),
                  "containerID": latest.container_id}
        reason = pw.reasons.get(name)
        if reason is not None and (latest is None or latest.state == "exited"):
            if latest is not None:
                cs["lastState"] = {"terminated": latest.terminated()}
            waiting = {"reason": reason[0]}
            if reason[1]:
                waiting["message"] = reason[1]
            cs["state"] = {"waiting": waiting}
        return cs

    def container_statuses(self, pw) -> dict[str, dict]:
        """name -> API ContainerStatus, init containers and containers together (names are unique in a pod)."""
        spec = pw.pod.get("spec") or {}
        inits = spec.get("initContainers")
        default = "PodInitializing" if inits else "ContainerCreating"
        status = self._container_status
        out = {}
        if inits:
            for c in inits:
                out[c["name"]] = status(pw, c, default)
        for c in spec.get("containers") or ():
            out[c["name"]] = status(pw, c, default)
        return out

    def build(self, pw, terminal: bool = False) -> dict:
        """The pod's status as the kubelet would report it now (upstream: generateAPIPodStatus)."""
        pod = pw.pod
        spec = pod.get("spec") or {}
        old = pod.get("status") or {}
        statuses = self.container_statuses(pw)
        inits = spec.get("initContainers")
        if inits:
            init_names = {c["name"] for c in inits}
            init_st = {n: s for n, s in statuses.items() if n in init_names}
            reg_st = {n: s for n, s in statuses.items() if n not in init_names}
        else:  # performance only: the same split, without the copies
            init_st, reg_st = {}, statuses
        phase = get_phase(spec, statuses, pod_is_terminal=terminal)
        if pw.evicted is not None:
            phase = "Failed"
        old_phase = old.get("phase")
        if old_phase in _TERMINAL:
            phase = old_phase
        now = format_second(pw.env.now)
        generation = pod["metadata"].get("generation")
        old_conds = old.get("conditions") or []
        conds = pod_conditions(spec, old_conds, init_st, reg_st, phase, pw.ip is not None)
        status = {"observedGeneration": generation} if generation is not None else {}
        status["phase"] = phase
        if pw.evicted is not None:
            status["reason"], status["message"] = pw.evicted
        # pod_conditions builds its first five conditions afresh: they are completed in place
        status["conditions"] = merge_conditions(old_conds, conds, now, generation, owned=5)
        host_ip = self.kubelet.node_ip
        if host_ip:
            status["hostIP"] = host_ip
            status["hostIPs"] = [{"ip": host_ip}]
        ip = pw.ip
        if ip:
            status["podIP"] = ip
            status["podIPs"] = [{"ip": ip}]
        if pw.start_time is not None:
            status["startTime"] = old.get("startTime") or format_second(pw.start_time)
        if init_st:
            status["initContainerStatuses"] = [init_st[c["name"]] for c in inits]
        status["containerStatuses"] = [reg_st[c["name"]] for c in spec.get("containers") or ()]
        if "qosClass" in old:
            status["qosClass"] = old["qosClass"]
        if "nominatedNodeName" in old:
            status["nominatedNodeName"] = old["nominatedNodeName"]
        return status

    def write(self, pw, terminal: bool = False) -> bool:
        """Write the status now if it changed; True when it did."""
        self._dirty.pop(pw.uid, None)
        status = self.build(pw, terminal)
        if status == pw.pod.get("status"):
            return False
        return self._put(pw, status)

    def write_rejected(self, pw) -> None:
        # upstream: pkg/kubelet/kubelet.go rejectPod
        reason, message = pw.rejected
        pw.pod_event("Warning", reason, message)
        old = pw.pod.get("status") or {}
        status = {"phase": "Failed", "conditions": old.get("conditions") or [],
                  "message": "Pod was rejected: " + message, "reason": reason, "startTime": format_second(pw.env.now)}
        if "qosClass" in old:
            status["qosClass"] = old["qosClass"]
        if not status["conditions"]:
            del status["conditions"]
        self._put(pw, status)

    def _put(self, pw, status: dict) -> bool:
        if pw.cancelled or not self.kubelet.owns(pw):
            return False
        current = {**pw.pod, "metadata": dict(pw.pod["metadata"]), "status": status}
        self.writes += 1
        self.api.write_status(self.res, current)
        return True
