#!/usr/bin/env bash
# shellcheck shell=bash
# Readiness gate at the end of `pulumi up`, run on the first control-plane node. Parameters:
#   EXPECTED_NODES (space-separated node names), API_ENDPOINTS (space-separated host:port: the VIP and each LB),
#   TIMEOUT_SECONDS, PROBE_IMAGE (a busybox image), PROBE_PEERS (how many other nodes each node's probe reaches).
# Fails with the node, or the pair of nodes, and the check that did not pass.
KUBECTL=(kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" --request-timeout=10s)
deadline=$(( $(date +%s) + TIMEOUT_SECONDS ))

# wait_for DESCRIPTION COMMAND...: retries COMMAND every 5 s until it passes or the deadline is reached.
wait_for() {
  local what="$1"
  shift
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "not ready after ${TIMEOUT_SECONDS}s: $what"
    fi
    sleep 5
  done
  log "ready: $what"
}

node_ready() {
  [ "$("${KUBECTL[@]}" get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "True" ]
}

coredns_available() {
  local want have
  want="$("${KUBECTL[@]}" -n kube-system get deployment coredns -o jsonpath='{.spec.replicas}')"
  have="$("${KUBECTL[@]}" -n kube-system get deployment coredns -o jsonpath='{.status.availableReplicas}')"
  [ -n "$want" ] && [ "${have:-0}" -ge "$want" ]
}

api_healthy() {
  [ "$(curl -sk --max-time 5 "https://$1/healthz")" = "ok" ]
}

for node in $EXPECTED_NODES; do
  wait_for "node $node is Ready (kubectl describe node $node; journalctl -u kubelet on $node)" node_ready "$node"
done
wait_for "CoreDNS is available (kubectl -n kube-system get pods -l k8s-app=kube-dns)" coredns_available
# --- the pod network: a probe pod on every node reaches the others' probes and resolves a Service name ---------
# Node Ready and CoreDNS available are checks a dead overlay passes (a wrong interface, VXLAN blocked by a firewall).
probe=kubeha-network-probe
probe_manifest() {
  cat <<EOT
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: $probe
  namespace: kube-system
  labels: {app.kubernetes.io/name: $probe, app.kubernetes.io/managed-by: kubeha}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: $probe}
  template:
    metadata:
      labels: {app.kubernetes.io/name: $probe}
    spec:
      tolerations: [{operator: Exists}]
      terminationGracePeriodSeconds: 1
      containers:
        - name: probe
          image: "$PROBE_IMAGE"
          command: [sh, -c, "echo ok >/tmp/index.html && exec httpd -f -p 8080 -h /tmp"]
          ports: [{containerPort: 8080}]
          resources: {requests: {cpu: 5m, memory: 8Mi}, limits: {memory: 32Mi}}
EOT
}
# The probe pods as "NODE IP POD" lines, in EXPECTED_NODES order; fails until every node has a running one.
probes=""
probes_running() {
  local listed node line found
  listed="$("${KUBECTL[@]}" -n kube-system get pods -l "app.kubernetes.io/name=$probe" -o \
    jsonpath='{range .items[?(@.status.phase=="Running")]}{.spec.nodeName} {.status.podIP} {.metadata.name}{"\n"}{end}')" || return 1
  probes=""
  for node in $EXPECTED_NODES; do
    found=""
    while read -r line; do
      case "$line" in "$node "[0-9]*) found="$line" ;; esac
    done <<<"$listed"
    [ -n "$found" ] || return 1
    probes+="$found"$'\n'
  done
}
# What runs in each probe pod: reach every "NODE=IP" given, then resolve the API's Service name through CoreDNS.
# shellcheck disable=SC2016
reach='for t; do wget -q -T 2 -O /dev/null "http://${t#*=}:8080/" || echo "unreachable ${t%%=*} ${t#*=}"; done
nslookup kubernetes.default.svc.cluster.local >/dev/null 2>&1 || echo "dns"'
# network_failures: one line per failed check, "A -> B (IP)" or "A: no DNS"; empty when the pod network works.
network_failures() {
  local -a nodes ips pods
  local i j k n out line
  while read -r line; do
    [ -n "$line" ] || continue
    nodes+=("${line%% *}"); line="${line#* }"; ips+=("${line%% *}"); pods+=("${line#* }")
  done <<<"$probes"
  n="${#nodes[@]}"
  for ((i = 0; i < n; i++)); do
    local targets=()
    for ((k = 1; k <= PROBE_PEERS && k < n; k++)); do
      j=$(((i + k) % n))
      targets+=("${nodes[j]}=${ips[j]}")
    done
    out="$("${KUBECTL[@]}" -n kube-system exec "${pods[i]}" -- sh -c "$reach" probe "${targets[@]}" 2>&1)" \
      || out="unreachable (kubectl exec into the probe on ${nodes[i]} failed: ${out//$'\n'/ })"
    while read -r line; do
      case "$line" in
        "unreachable "*" "*) line="${line#unreachable }"; echo "${nodes[i]} -> ${line% *} (${line##* })" ;;
        dns) echo "${nodes[i]}: kubernetes.default.svc.cluster.local does not resolve (CoreDNS through the pod network)" ;;
        unreachable*) echo "${nodes[i]}: ${line#unreachable }" ;;
      esac
    done <<<"$out"
  done
}
remove_probe() { "${KUBECTL[@]}" -n kube-system delete daemonset "$probe" --ignore-not-found --wait=false >/dev/null 2>&1 || true; }

"${KUBECTL[@]}" apply -f - >/dev/null <<<"$(probe_manifest)" || die "cannot create the network probe (DaemonSet kube-system/$probe)"
trap remove_probe EXIT
wait_for "a network probe pod ($PROBE_IMAGE) runs on every node (kubectl -n kube-system get pods -l app.kubernetes.io/name=$probe -o wide)" probes_running
until failures="$(network_failures)" && [ -z "$failures" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    first="$(head -n 10 <<<"$failures" | paste -sd ';' -)"
    die "not ready after ${TIMEOUT_SECONDS}s: the pod network: $first (the CNI's pods on those nodes: kubectl -n \
kube-system get pods -o wide; a firewall between them: VXLAN 8472/udp or 4789/udp)"
  fi
  sleep 5
done
log "ready: pod-to-pod traffic between every node and its $PROBE_PEERS next, and DNS from every node"

for endpoint in $API_ENDPOINTS; do
  wait_for "API /healthz answers ok through $endpoint" api_healthy "$endpoint"
done
echo "KUBEHA_READY=true"
