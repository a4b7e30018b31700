#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: kubeadm join through the VIP. A control-plane node finishes only when its API server is healthy and its
# etcd member is ready, so the next control-plane node joins a settled etcd.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, CONTROL_PLANE (true|false), JOIN_CONFIG (secret).
if [ -f "${KUBEHA_ROOT}/etc/kubernetes/kubelet.conf" ]; then
  log "already joined (/etc/kubernetes/kubelet.conf exists)"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  printf '%s\n' "$JOIN_CONFIG" >"$work/kubeadm.yaml"
  log "kubeadm join ($([ "$CONTROL_PLANE" = true ] && echo control plane || echo worker))"
  kubeadm join --config "$work/kubeadm.yaml" >&2 \
    || die "kubeadm join failed; see journalctl -u kubelet on this node. A token or certificate error means its \
credentials step ran more than 2 hours ago: pulumi up --replace the URN of ${NODE_NAME}-credentials (README: Troubleshooting)"
fi

if [ "$CONTROL_PLANE" = true ]; then
  admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
  member_healthy() {
    api_server_ready "$NODE_ADDRESS" "$API_PORT" \
      && kubectl --kubeconfig "$admin" -n kube-system wait --for=condition=Ready "pod/etcd-${NODE_NAME}" --timeout=5s >/dev/null 2>&1
  }
  wait_until 300 member_healthy || die "$NODE_NAME joined, but its API server or etcd member is not healthy after 5 minutes"
  log "API server and etcd member of $NODE_NAME are healthy"
fi
