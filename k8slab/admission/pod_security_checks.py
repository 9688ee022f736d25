"""The Pod Security Standards checks (baseline and restricted) as pod-security-admission implements them."""

# upstream: staging/src/k8s.io/pod-security-admission/policy/check_*.go (one function per file, same IDs,
# same ForbiddenReason and ForbiddenDetail texts).

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CheckResult", "CHECKS", "LEVELS", "MINIMUM_VERSION", "evaluate_pod", "forbidden_detail", "check_ids"]

LEVELS = ("privileged", "baseline", "restricted")


@dataclass(frozen=True)
class CheckResult:
    """One failed check: its ID, the short reason and the detail (upstream ``policy.CheckResult``)."""

    id: str
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


def _join_quote(items) -> str:
    items = list(items)
    return '"' + '", "'.join(items) + '"' if items else ""


def _plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _containers(spec: dict):
    # upstream: policy/visitor.go visitContainers: initContainers, containers, ephemeralContainers
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key) or ():
            yield c


def _sc(c: dict) -> dict:
    return c.get("securityContext") or {}


def _pod_sc(spec: dict) -> dict:
    return spec.get("securityContext") or {}


def _named(prefix: str, names: list[str]) -> str:
    return f"{_plural(prefix, prefix + 's', len(names))} {_join_quote(names)}"


# ---------------------------------------------------------------- baseline

def _allow_privilege_escalation(meta, spec):
    bad = [c["name"] for c in _containers(spec) if _sc(c).get("allowPrivilegeEscalation") in (None, True)]
    if bad:
        return "allowPrivilegeEscalation != false", f"{_named('container', bad)} must set securityContext.allowPrivilegeEscalation=false"


def _app_armor_profile(meta, spec):
    setters, values = [], set()
    pod = _pod_sc(spec).get("appArmorProfile")
    if pod is not None and pod.get("type") not in ("RuntimeDefault", "Localhost"):
        setters.append("pod")
        values.add(pod.get("type", ""))
    bad = []
    for c in _containers(spec):
        prof = _sc(c).get("appArmorProfile")
        if prof is not None and prof.get("type") not in ("RuntimeDefault", "Localhost"):
            bad.append(c["name"])
            values.add(prof.get("type", ""))
    if bad:
        setters.append(_named("container", bad))
    annotations = sorted(f'{k}="{v}"' for k, v in ((meta.get("annotations") or {}).items())
                         if k.startswith("container.apparmor.security.beta.kubernetes.io/")
                         and not (v == "" or v == "runtime/default" or v.startswith("localhost/")))
    value_list = sorted(values) + annotations
    if annotations:
        setters.append(_plural("annotation", "annotations", len(annotations)))
    if setters:
        return (_plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(value_list)),
                f"{' and '.join(setters)} must not set AppArmor profile type to {_join_quote(value_list)}")


_CAPS_BASELINE = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                  "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}


def _capabilities_baseline(meta, spec):
    bad, caps = [], set()
    for c in _containers(spec):
        added = [a for a in ((_sc(c).get("capabilities") or {}).get("add") or ()) if a not in _CAPS_BASELINE]
        if added:
            bad.append(c["name"])
            caps.update(added)
    if bad:
        return ("non-default capabilities",
                f"{_named('container', bad)} must not include {_join_quote(sorted(caps))} in "
                "securityContext.capabilities.add")


def _capabilities_restricted(meta, spec):
    missing_drop, adding, caps = [], [], set()
    for c in _containers(spec):
        cap = _sc(c).get("capabilities")
        if cap is None:
            missing_drop.append(c["name"])
            continue
        if "ALL" not in (cap.get("drop") or ()):
            missing_drop.append(c["name"])
        extra = [a for a in cap.get("add") or () if a != "NET_BIND_SERVICE"]
        if extra:
            adding.append(c["name"])
            caps.update(extra)
    details = []
    if missing_drop:
        details.append(f'{_named("container", missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(f"{_named('container', adding)} must not include {_join_quote(sorted(caps))} in "
                       "securityContext.capabilities.add")
    if details:
        return "unrestricted capabilities", "; ".join(details)


def _host_namespaces(meta, spec):
    found = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
    if found:
        return "host namespaces", ", ".join(found)


def _host_path_volumes(meta, spec):
    vols = [v["name"] for v in spec.get("volumes") or () if v.get("hostPath") is not None]
    if vols:
        return "hostPath volumes", _named("volume", vols)


def _host_ports(meta, spec):
    bad, ports = [], set()
    for c in _containers(spec):
        used = [p["hostPort"] for p in c.get("ports") or () if p.get("hostPort")]
        if used:
            bad.append(c["name"])
            ports.update(str(p) for p in used)
    if bad:
        return ("hostPort", f"{_named('container', bad)} {_plural('uses', 'use', len(bad))} "
                            f"{_plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}")


def _host_probes_and_host_lifecycle(meta, spec):
    bad, hosts = set(), set()
    for c in _containers(spec):
        handlers = [c.get(p) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        handlers += [(c.get("lifecycle") or {}).get(h) for h in ("postStart", "preStop")]
        for h in handlers:
            for kind in ("httpGet", "tcpSocket"):
                host = ((h or {}).get(kind) or {}).get("host")
                if host:
                    bad.add(c["name"])
                    hosts.add(host)
    if bad:
        return ("probe or lifecycle host",
                f"{_named('container', sorted(bad))} {_plural('uses', 'use', len(bad))} "
                f"{_plural('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {_join_quote(sorted(hosts))}")


def _privileged(meta, spec):
    bad = [c["name"] for c in _containers(spec) if _sc(c).get("privileged")]
    if bad:
        return "privileged", f"{_named('container', bad)} must not set securityContext.privileged=true"


def _proc_mount(meta, spec):
    bad, kinds = [], set()
    for c in _containers(spec):
        pm = _sc(c).get("procMount")
        if pm is not None and pm != "Default":
            bad.append(c["name"])
            kinds.add(pm)
    if bad:
        return "procMount", f"{_named('container', bad)} must not set securityContext.procMount to {_join_quote(sorted(kinds))}"


_ALLOWED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                    "projected", "secret"}
_RESTRICTED_VOLUMES = ("hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
                       "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
                       "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO",
                       "storageos")


def _restricted_volumes(meta, spec):
    bad, kinds = [], set()
    for v in spec.get("volumes") or ():
        if any(v.get(k) is not None for k in _ALLOWED_VOLUMES):
            continue
        bad.append(v["name"])
        kinds.add(next((k for k in _RESTRICTED_VOLUMES if v.get(k) is not None), "unknown"))
    if bad:
        return ("restricted volume types",
                f"{_named('volume', bad)} {_plural('uses', 'use', len(bad))} "
                f"{_plural('restricted volume type', 'restricted volume types', len(kinds))} {_join_quote(sorted(kinds))}")


def _run_as_non_root(meta, spec):
    setters, pod_ok = [], False
    pod = _pod_sc(spec).get("runAsNonRoot")
    if pod is not None:
        if pod:
            pod_ok = True
        else:
            setters.append("pod")
    explicit, implicit = [], []
    for c in _containers(spec):
        v = _sc(c).get("runAsNonRoot")
        if v is not None:
            if not v:
                explicit.append(c["name"])
        elif not pod_ok:
            implicit.append(c["name"])
    if explicit:
        setters.append(_named("container", explicit))
    if setters:
        return "runAsNonRoot != true", f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return "runAsNonRoot != true", f"pod or {_named('container', implicit)} must set securityContext.runAsNonRoot=true"


def _run_as_user(meta, spec):
    setters = ["pod"] if _pod_sc(spec).get("runAsUser") == 0 else []
    bad = [c["name"] for c in _containers(spec) if _sc(c).get("runAsUser") == 0]
    if bad:
        setters.append(_named("container", bad))
    if setters:
        return "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0"


def _se_linux_options(meta, spec):
    setters, types, flags = [], set(), set()

    def valid(opts: dict) -> bool:
        ok = True
        if opts.get("type", "") not in ("", "container_t", "container_init_t", "container_kvm_t"):
            ok = False
            types.add(opts.get("type"))
        for key in ("user", "role"):
            if opts.get(key):
                ok = False
                flags.add(key)
        return ok

    pod = _pod_sc(spec).get("seLinuxOptions")
    if pod is not None and not valid(pod):
        setters.append("pod")
    bad = [c["name"] for c in _containers(spec)
           if _sc(c).get("seLinuxOptions") is not None and not valid(_sc(c)["seLinuxOptions"])]
    if bad:
        setters.append(_named("container", bad))
    if setters:
        data = []
        if types:  # upstream only reports user/role alongside a bad type (check_seLinuxOptions.go)
            data.append(f"{_plural('type', 'types', len(types))} {_join_quote(sorted(types))}")
            data += [f"{k} may not be set" for k in ("user", "role") if k in flags]
        return "seLinuxOptions", f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}"


def _seccomp(spec, restricted: bool):
    setters, values, pod_set = [], set(), False
    pod = _pod_sc(spec).get("seccompProfile")
    if pod is not None:
        if pod.get("type") in ("RuntimeDefault", "Localhost"):
            pod_set = True
        else:
            setters.append("pod")
            values.add(pod.get("type", ""))
    explicit, implicit = [], []
    for c in _containers(spec):
        prof = _sc(c).get("seccompProfile")
        if prof is not None:
            if prof.get("type") not in ("RuntimeDefault", "Localhost"):
                explicit.append(c["name"])
                values.add(prof.get("type", ""))
        elif not pod_set:
            implicit.append(c["name"])
    if explicit:
        setters.append(_named("container", explicit))
    if setters:
        return "seccompProfile", (f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to "
                                  f"{_join_quote(sorted(values))}")
    if restricted and implicit:
        return "seccompProfile", (f'pod or {_named("container", implicit)} must set securityContext.seccompProfile.type '
                                  'to "RuntimeDefault" or "Localhost"')


def _seccomp_baseline(meta, spec):
    return _seccomp(spec, False)


def _seccomp_restricted(meta, spec):
    return _seccomp(spec, True)


# upstream: check_sysctls.go sysctlsAllowedV1Dot32 (the newest set, in force for 1.35)
_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}


def _sysctls(meta, spec):
    bad = [s.get("name", "") for s in _pod_sc(spec).get("sysctls") or () if s.get("name") not in _SYSCTLS]
    if bad:
        return "forbidden sysctls", ", ".join(bad)


#: (check ID, level, function, IDs it overrides at the restricted level)
CHECKS = (
    ("allowPrivilegeEscalation", "restricted", _allow_privilege_escalation, ()),
    ("appArmorProfile", "baseline", _app_armor_profile, ()),
    ("capabilities_baseline", "baseline", _capabilities_baseline, ()),
    ("capabilities_restricted", "restricted", _capabilities_restricted, ("capabilities_baseline",)),
    ("hostNamespaces", "baseline", _host_namespaces, ()),
    ("hostPathVolumes", "baseline", _host_path_volumes, ()),
    ("hostPorts", "baseline", _host_ports, ()),
    ("hostProbesAndHostLifecycle", "baseline", _host_probes_and_host_lifecycle, ()),
    ("privileged", "baseline", _privileged, ()),
    ("procMount", "baseline", _proc_mount, ()),
    ("restrictedVolumes", "restricted", _restricted_volumes, ("hostPathVolumes",)),
    ("runAsNonRoot", "restricted", _run_as_non_root, ()),
    ("runAsUser", "restricted", _run_as_user, ()),
    ("seLinuxOptions", "baseline", _se_linux_options, ()),
    ("seccompProfile_baseline", "baseline", _seccomp_baseline, ()),
    ("seccompProfile_restricted", "restricted", _seccomp_restricted, ("seccompProfile_baseline",)),
    ("sysctls", "baseline", _sysctls, ()),
)


#: upstream VersionedCheck.MinimumVersion where it is newer than 1.19 (older policy versions skip these checks)
MINIMUM_VERSION = {"capabilities_restricted": (1, 22), "runAsUser": (1, 23), "hostProbesAndHostLifecycle": (1, 34)}


def check_ids(level: str, version: tuple[int, int] | None = None) -> list[str]:
    """The checks a level runs, in upstream's order (check IDs sorted; restricted overrides three baseline ones).

    ``version`` is the policy version (``None`` for ``latest``): checks newer than it are left out.

    Examples
    --------
    >>> check_ids("baseline")[:3]
    ['appArmorProfile', 'capabilities_baseline', 'hostNamespaces']
    >>> "hostPathVolumes" in check_ids("restricted"), "restrictedVolumes" in check_ids("restricted")
    (False, True)
    """
    if level == "privileged":
        return []
    active = [c for c in CHECKS if version is None or version >= MINIMUM_VERSION.get(c[0], (1, 0))]
    if level == "baseline":
        return [cid for cid, lvl, _, _ in active if lvl == "baseline"]
    overridden = {o for _, lvl, _, over in active if lvl == "restricted" for o in over}
    return [cid for cid, _, _, _ in active if cid not in overridden]


_BY_ID = {cid: fn for cid, _, fn, _ in CHECKS}


def evaluate_pod(level: str, metadata: dict, spec: dict, version: tuple[int, int] | None = None) -> list[CheckResult]:
    """The failed checks of a pod (metadata + spec) at a level; empty when it meets the level.

    upstream: policy/registry.go ``EvaluatePod`` (``privileged`` checks nothing).

    Examples
    --------
    >>> spec = {"containers": [{"name": "web", "image": "nginx", "securityContext": {"privileged": True}}]}
    >>> [str(r) for r in evaluate_pod("baseline", {}, spec)]
    ['privileged (container "web" must not set securityContext.privileged=true)']
    """
    if level not in LEVELS:
        raise ValueError(f"unknown Pod Security level {level!r} (use privileged, baseline or restricted)")
    out = []
    for cid in check_ids(level, version):
        found = _BY_ID[cid](metadata or {}, spec or {})
        if found:
            out.append(CheckResult(cid, *found))
    return out


def forbidden_detail(results: list[CheckResult]) -> str:
    """``AggregateCheckResult.ForbiddenDetail``: ``reason (detail), reason (detail)``.

    Examples
    --------
    >>> forbidden_detail([CheckResult("a", "host namespaces", "hostNetwork=true"), CheckResult("b", "x")])
    'host namespaces (hostNetwork=true), x'
    """
    return ", ".join(str(r) for r in results)
