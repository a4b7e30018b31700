#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: kubeadm join through the VIP. A control-plane node finishes only when its API server is healthy and its
# etcd member is ready, so the next control-plane node joins a settled etcd. Done only when that is true (its
# marker, lib/os.sh): kubeadm writes kubelet.conf before a control-plane join adds and promotes its etcd member, so
# a join that stopped half-way is reset and run again.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, CONTROL_PLANE (true|false), JOIN_CONFIG (secret).
kubelet_conf="${KUBEHA_ROOT}/etc/kubernetes/kubelet.conf"
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"

# This node's Node object exists (the kubelet's own credentials may read it).
registered() { kubectl --kubeconfig "$kubelet_conf" get node "$NODE_NAME" >/dev/null 2>&1; }
# This control-plane node's API server is ready and its etcd member (a static pod) is Ready.
member_healthy() {
  api_server_ready "$NODE_ADDRESS" "$API_PORT" \
    && kubectl --kubeconfig "$admin" -n kube-system wait --for=condition=Ready "pod/etcd-${NODE_NAME}" --timeout=5s >/dev/null 2>&1
}
join_complete() {
  registered || return 1
  [ "$CONTROL_PLANE" != true ] || member_healthy
}

if [ -f "$join_done" ]; then
  log "already joined (kubeadm join finished here)"
else
  if kubeadm_started; then
    # A join that finished with only the marker missing (the connection dropped, or an earlier kubeha) is kept.
    if wait_until 60 join_complete; then
      mark_done "$join_done"
      log "already joined ($NODE_NAME is registered$([ "$CONTROL_PLANE" = true ] && echo ', its API server and etcd member healthy'))"
    else
      kubeadm_start_over "kubeadm join"
    fi
  fi
fi
if [ ! -f "$join_done" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  printf '%s\n' "$JOIN_CONFIG" >"$work/kubeadm.yaml"
  log "kubeadm join ($([ "$CONTROL_PLANE" = true ] && echo control plane || echo worker))"
  kubeadm join --config "$work/kubeadm.yaml" >&2 \
    || die "kubeadm join failed; see journalctl -u kubelet on this node. A token or certificate error means its \
credentials step ran more than 2 hours ago: pulumi up --replace the URN of ${NODE_NAME}-credentials (README: Troubleshooting)"
  if [ "$CONTROL_PLANE" = true ]; then
    wait_until 300 member_healthy || die "$NODE_NAME joined, but its API server or etcd member is not healthy after 5 \
minutes; the next pulumi up resets it and joins it again"
    log "API server and etcd member of $NODE_NAME are healthy"
  fi
  mark_done "$join_done"
fi
