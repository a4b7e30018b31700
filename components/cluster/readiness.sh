#!/usr/bin/env bash
# shellcheck shell=bash
# Readiness gate at the end of `pulumi up`, run on the first control-plane node. Parameters:
#   EXPECTED_NODES (space-separated node names), API_ENDPOINTS (space-separated host:port: the VIP and each LB),
#   TIMEOUT_SECONDS. Fails with the node and the check that did not pass.
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
for endpoint in $API_ENDPOINTS; do
  wait_for "API /healthz answers ok through $endpoint" api_healthy "$endpoint"
done
echo "KUBEHA_READY=true"
