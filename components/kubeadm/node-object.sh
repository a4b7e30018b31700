#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on the first control-plane node, act on a node's Kubernetes object. ACTION is one of:
#   await   wait until the node has registered (create of <node>-drain)
#   drain   cordon and evict it before it leaves (delete of <node>-drain)
#   delete  remove its Node object after it left (delete of <node>-credentials)
# Parameters: ACTION, NODE_NAME, TIMEOUT_SECONDS.
kubectl_admin() { kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" "$@"; }
case "$ACTION" in
  await)
    for _ in $(seq 1 $((TIMEOUT_SECONDS / 5))); do
      if kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; then log "$NODE_NAME registered"; exit 0; fi
      sleep 5
    done
    die "$NODE_NAME did not register within ${TIMEOUT_SECONDS}s (journalctl -u kubelet on $NODE_NAME)"
    ;;
  drain)
    if kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; then
      kubectl_admin drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --force \
        --timeout="${TIMEOUT_SECONDS}s" >&2 || die "cannot drain $NODE_NAME"
    fi
    ;;
  delete)
    kubectl_admin delete node "$NODE_NAME" --ignore-not-found >&2 || die "cannot delete node $NODE_NAME"
    ;;
  *) die "unknown action '$ACTION'" ;;
esac
