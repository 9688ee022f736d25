"""An ingress controller's status loop: Ingresses of its class get the address of the controller's Service."""

# upstream: kubernetes/ingress-nginx internal/ingress/status/status.go (--publish-service: the Ingress status
# takes the load balancer address of the controller's Service); AKS application routing runs the same
# controller as class webapprouting.kubernetes.azures.com with its Service app-routing-system/nginx.

from __future__ import annotations

from k8slab.controllers.base import Controller
from k8slab.network.ingress import effective_class

__all__ = ["IngressStatusController", "PUBLISH_SERVICES"]

#: IngressClass spec.controller -> the Service (namespace/name) whose address the controller publishes
PUBLISH_SERVICES = {
    "k8s.io/ingress-nginx": "ingress-nginx/ingress-nginx-controller",
    "webapprouting.kubernetes.azures.com/nginx": "app-routing-system/nginx",
}


class IngressStatusController(Controller):
    """Writes ``status.loadBalancer.ingress`` of every Ingress whose class has a published controller Service."""

    name = "ingress-status"
    watches = ("ingresses", "services", "ingressclasses")

    def keys_for(self, event_type: str, obj: dict):
        yield "all"  # few objects: re-check every Ingress

    def reconcile(self, key: str) -> None:
        api = self.api
        classes = api.list(api.resource("ingressclasses"))
        by_name = {c["metadata"]["name"]: (c.get("spec") or {}).get("controller", "") for c in classes}
        res = api.resource("ingresses")
        for ing in api.list(res):
            published = PUBLISH_SERVICES.get(by_name.get(effective_class(ing, classes) or "", ""))
            lb: list = []
            if published:
                ns, name = published.split("/")
                svc = api.etcd.read(api.resource("services").key(ns, name))
                for i in (((svc or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or ():
                    lb.append({"ip": i["ip"]} if i.get("ip") else {"hostname": i.get("hostname")})
            status = {"loadBalancer": {"ingress": lb} if lb else {}}
            if (ing.get("status") or {}) != status:
                ing["status"] = status
                api.write_status(res, ing)
