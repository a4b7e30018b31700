#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on the first control-plane node, act on a node's Kubernetes object. ACTION is one of:
#   await   wait until the node has registered (update of <node>-drain; when a node is created, its join waits)
#   drain   cordon and evict it before it leaves (delete of <node>-drain); before a control-plane node, an etcd snapshot
#   delete  remove its Node object after it left (delete of <node>-credentials) and, for a control-plane node, its
#           etcd member if `kubeadm reset` on the node could not (it only warns when its local etcd does not answer)
#   cordon    before an upgrade (<node>-cordon): drain it, marked as kubeha's, unless its kubelet runs VERSION
#   uncordon  after an upgrade (<node>-uncordon): once its kubelet runs VERSION and it is Ready, uncordon it if
#             kubeha drained it (a node cordoned by someone else stays cordoned)
# Parameters: ACTION, NODE_NAME, TIMEOUT_SECONDS, VERSION (cordon and uncordon: 1.32 or 1.32.1), CONTROL_PLANE (drain,
# delete), NODE_ADDRESS and ETCD_POD (delete: the etcd static pod of this node, whose etcdctl asks the surviving members).
kubectl_admin() { kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" "$@"; }
upgrade_mark="kubeha.dev/drained-for-upgrade"
kubelet_runs_version() {
  local v
  v="$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.nodeInfo.kubeletVersion}')" \
    || die "cannot read the kubelet version of $NODE_NAME"
  runs_version "${v#v}" "$VERSION"
}
registered() { kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; }
# etcd_member_ids: the IDs of NODE_NAME's etcd member: by name (kubeadm names it after the node), or by peer URL
# (https://ADDRESS:2380, kubernetes/kubernetes cmd/kubeadm/app/util/etcd/etcd.go GetPeerURL) for a member that never
# started and so has no name. `etcdctl member list -w simple` prints "ID, STATUS, NAME, PEER URLS, CLIENT URLS, LEARNER".
etcdctl_local() {
  kubectl_admin -n kube-system exec "$ETCD_POD" -- etcdctl --endpoints=https://127.0.0.1:2379 \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
    --key=/etc/kubernetes/pki/etcd/server.key "$@"
}
etcd_member_ids() {
  local members
  members="$(etcdctl_local member list -w simple)" || die "cannot list the etcd members through $ETCD_POD"
  awk -F', ' -v name="$NODE_NAME" -v peer="https://${NODE_ADDRESS}:2380" '$3 == name || $4 == peer { print $1 }' <<<"$members"
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
    # A control-plane node takes an etcd member with it: a snapshot on this node first (lib/os.sh).
    if [ "$CONTROL_PLANE" = true ]; then etcd_snapshot before-removal; fi
    if kubectl_admin get node "$NODE_NAME" >/dev/null 2>&1; then
      kubectl_admin drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --force \
        --timeout="${TIMEOUT_SECONDS}s" >&2 || die "cannot drain $NODE_NAME"
    fi
    ;;
  delete)
    kubectl_admin delete node "$NODE_NAME" --ignore-not-found >&2 || die "cannot delete node $NODE_NAME"
    if [ "$CONTROL_PLANE" = true ]; then
      ids="$(etcd_member_ids)" || exit 1
      for id in $ids; do
        etcdctl_local member remove "$id" >&2 || die "cannot remove the etcd member $id of $NODE_NAME"
        log "removed the etcd member $id that $NODE_NAME left behind"
      done
    fi
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
