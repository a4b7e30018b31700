#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: after every node that holds an etcd member restored it (etcd-restored, on the acting control-plane node, or
# on the first etcd node with etcdNodes): wait until the restored cluster has all its members, each healthy, and,
# when API_PORT is set (stacked etcd), this node's API server is ready again (with etcdNodes, the control-plane nodes'
# restore-api-start waits for theirs).
# Parameters: NODE_NAME, NODE_ADDRESS, SNAPSHOT_PATH (etcdRestoreFrom: another snapshot runs this again), API_PORT
# (empty: no API server here), MEMBERS (how many), TIMEOUT_SECONDS.
members_healthy() {
  local list health
  list="$(etcdctl_in_pod member list -w simple 2>/dev/null)" || return 1
  [ "$(grep -c ', started, ' <<<"$list")" -eq "$MEMBERS" ] || return 1
  health="$(etcdctl_in_pod endpoint health --cluster 2>&1)" || return 1
  [ "$(grep -c 'is healthy' <<<"$health")" -eq "$MEMBERS" ]
}
wait_until "$TIMEOUT_SECONDS" members_healthy || die "the restored etcd cluster does not have $MEMBERS healthy members \
${TIMEOUT_SECONDS}s after the restore (did every node of etcd restore the same snapshot? etcdctl member list \
in the etcd container of $NODE_NAME)"
log "the etcd cluster restored from $SNAPSHOT_PATH has $MEMBERS healthy members"
[ -n "$API_PORT" ] || exit 0
wait_until "$TIMEOUT_SECONDS" api_server_ready "$NODE_ADDRESS" "$API_PORT" \
  || die "the API server of $NODE_NAME is not ready ${TIMEOUT_SECONDS}s after the etcd restore (crictl ps --name kube-apiserver)"
log "the cluster is back from the snapshot"
