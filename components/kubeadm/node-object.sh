#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on the first control-plane node, act on a node's Kubernetes object. ACTION is one of:
#   await   wait until the node has registered (update of <node>-drain; when a node is created, its join waits)
#   drain   before it leaves (delete of <node>-drain, which runs before the teardown on the node itself): cordon and
#           evict it (only cordon it when its kubelet has stopped answering: its pods go with its Node object);
#           for a control-plane node first an etcd snapshot, and after the drain its API server drained on the load
#           balancers and its etcd member removed from here, as `kubeadm reset` on the node would; then its Node
#           object is deleted. So a dead node leaves the cluster whole even though its own teardown cannot run.
#   delete  remove its Node object after it left (delete of <node>-credentials) and, for a control-plane node, its
#           etcd member if it is still there (for a node that left before drain removed members)
#   cordon    before an upgrade (<node>-cordon): drain it, marked as kubeha's, unless its kubelet runs VERSION
#   uncordon  after an upgrade (<node>-uncordon): once its kubelet runs VERSION and it is Ready, uncordon it if
#             kubeha drained it (a node cordoned by someone else stays cordoned)
# Parameters: ACTION, NODE_NAME, TIMEOUT_SECONDS, VERSION (cordon and uncordon: 1.32 or 1.32.1), CONTROL_PLANE (drain,
# delete: a control-plane node, whose API server is drained on the load balancers), HOLDS_ETCD (drain, delete: it
# holds a stacked etcd member; false for every node with external etcd), NODE_ADDRESS and ETCD_POD (drain, delete:
# the etcd static pod of this node, whose etcdctl asks the surviving members: etcd/members-api.sh and
# etcd/members.sh), ETCD_MEMBERS (drain, delete: how many etcd members there are when the node leaves as planned;
# the removal refuses fewer, etcd_removal_keeps_quorum), LB_ADDRESSES and LB_STATS_PORT (drain: loadbalancer/backend.sh).
upgrade_mark="kubeha.dev/drained-for-upgrade"
kubelet_runs_version() {
  local v
  v="$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}')" \
    || die "cannot read the kubelet version of $NODE_NAME"
  runs_version "${v#v}" "$VERSION"
}
registered() { kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; }
# A node whose kubelet stopped posting its status: the node lifecycle controller sets its Ready condition to
# Unknown after node-monitor-grace-period (kubernetes/kubernetes pkg/controller/nodelifecycle/
# node_lifecycle_controller.go, tryUpdateNodeHealth). Draining it would wait out the timeout: its pods can never
# confirm their end.
node_unreachable() {
  [ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = Unknown ]
}
remove_etcd_member() {
  local ids id
  ids="$(etcd_member_ids "$NODE_NAME" "$NODE_ADDRESS")" || exit 1
  if [ -n "$ids" ]; then etcd_hand_over_leadership "https://${NODE_ADDRESS}:2379" https://127.0.0.1:2379; fi
  for id in $ids; do
    wait_until 30 etcd_member_removed "$id" || die "cannot remove the etcd member $id of $NODE_NAME"
    log "removed the etcd member $id of $NODE_NAME"
  done
}
back_on_version() {
  kubelet_runs_version && kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s >/dev/null 2>&1
}
case "$ACTION" in
  await)
    wait_until "$TIMEOUT_SECONDS" registered \
      || die "$NODE_NAME did not register within ${TIMEOUT_SECONDS}s (journalctl -u kubelet on $NODE_NAME)"
    log "$NODE_NAME registered"
    ;;
  drain)
    if [ "$HOLDS_ETCD" = true ]; then
      # It takes an etcd member with it: a snapshot on this node first (lib/os.sh), and no removal that would leave
      # etcd without quorum (the membership check refused such a change already; members may have died since).
      etcd_snapshot before-removal
      ids="$(etcd_member_ids "$NODE_NAME" "$NODE_ADDRESS")" || exit 1
      if [ -n "$ids" ]; then etcd_removal_keeps_quorum "$NODE_NAME" "$ETCD_MEMBERS"; fi
    fi
    if kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; then
      if node_unreachable; then
        kubectl_admin cordon "$NODE_NAME" >&2 || die "cannot cordon $NODE_NAME"
        log "$NODE_NAME does not answer (its Ready condition is Unknown): cordoned, not drained; its pods go with its Node object"
      else
        kubectl_admin drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --force \
          --timeout="${TIMEOUT_SECONDS}s" >&2 || die "cannot drain $NODE_NAME"
      fi
    fi
    if [ "$CONTROL_PLANE" = true ]; then
      lb_backend_drain "$NODE_NAME" || log "the load balancers did not drain $NODE_NAME's API server; it leaves anyway"
    fi
    if [ "$HOLDS_ETCD" = true ]; then remove_etcd_member; fi
    kubectl_admin delete node "$NODE_NAME" --ignore-not-found >&2 || die "cannot delete node $NODE_NAME"
    ;;
  delete)
    kubectl_admin delete node "$NODE_NAME" --ignore-not-found >&2 || die "cannot delete node $NODE_NAME"
    if [ "$HOLDS_ETCD" = true ]; then remove_etcd_member; fi
    ;;
  cordon)
    if kubelet_runs_version; then
      log "$NODE_NAME runs Kubernetes $VERSION already"
      exit 0
    fi
    kubectl_admin annotate node "$NODE_NAME" --overwrite "${upgrade_mark}=true" >/dev/null \
      || die "cannot mark $NODE_NAME for its upgrade"
    kubectl_admin drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --force \
      --timeout="${TIMEOUT_SECONDS}s" >&2 || die "cannot drain $NODE_NAME for its upgrade"
    ;;
  uncordon)
    mark="$(kubectl_admin get node "$NODE_NAME" -o jsonpath="{.metadata.annotations.kubeha\.dev/drained-for-upgrade}")" \
      || die "cannot read $NODE_NAME"
    [ "$mark" = true ] || exit 0
    wait_until "$TIMEOUT_SECONDS" back_on_version \
      || die "$NODE_NAME is not Ready on Kubernetes $VERSION ${TIMEOUT_SECONDS}s after its upgrade (journalctl -u kubelet on it)"
    kubectl_admin uncordon "$NODE_NAME" >&2 || die "cannot uncordon $NODE_NAME"
    kubectl_admin annotate node "$NODE_NAME" "${upgrade_mark}-" >/dev/null || die "cannot unmark $NODE_NAME"
    log "$NODE_NAME is back, on Kubernetes $VERSION"
    ;;
  *) die "unknown action '$ACTION'" ;;
esac
