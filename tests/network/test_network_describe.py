"""kubectl describe for NetworkPolicy and Ingress, in kubectl's layout (upstream describe.go)."""

from netlab import add_nodes, net_lab, run_pod

MANIFESTS = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-front}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: front}}
      namespaceSelector: {matchLabels: {team: shop}}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports: [{port: 8080}, {port: 9000, endPort: 9100, protocol: UDP}]
  - {}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
"""

NETPOL = """\
Name:         allow-front
Namespace:    default
Created on:   2026-01-01 00:00:00 +0000 UTC
Labels:       <none>
Annotations:  <none>
Spec:
  PodSelector:     app=web
  Allowing ingress traffic:
    To Port: 8080/TCP
    To Port: 9000-9100/UDP
    From:
      NamespaceSelector: team=shop
      PodSelector: app=front
    From:
      IPBlock:
        CIDR: 10.0.0.0/8
        Except: 10.1.0.0/16
    ----------
    To Port: <any> (traffic allowed to all ports)
    From: <any> (traffic not restricted by source)
  Allowing egress traffic:
    <none> (Selected pods are isolated for egress connectivity)
  Policy Types: Ingress, Egress
"""

INGRESS = """\
Name:             shop
Labels:           <none>
Namespace:        default
Address:          
Ingress Class:    <none>
Default backend:  <default>
TLS:
  shop-tls terminates shop.example.com
Rules:
  Host              Path  Backends
  ----              ----  --------
  shop.example.com  
                    /      web:http (10.244.0.2:8080)
                    /api   api:8080 (<error: services "api" not found>)
Annotations:        <none>
Events:             <none>
"""


def test_describe_network_policy_and_ingress():
    lab = net_lab()
    add_nodes(lab, 1)
    lab.apply(MANIFESTS)
    run_pod(lab, "default", "web-0", {"app": "web"})
    lab.run(1)
    assert lab.kubectl("describe networkpolicy allow-front").stdout == NETPOL
    assert lab.kubectl("describe ingress shop").stdout == INGRESS
    svc = lab.kubectl("describe service web").stdout.splitlines()
    assert "Endpoints:                10.244.0.2:8080" in svc
    assert "TargetPort:               8080/TCP" in svc
