#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: after every control-plane node restored its etcd (etcd-restored, on the first control-plane node): wait
# until the restored cluster has all its members, each healthy, and this node's API server is ready again.
# Parameters: NODE_NAME, NODE_ADDRESS, API_PORT, MEMBERS (how many), TIMEOUT_SECONDS.
members_healthy() {
  local list health
  list="$(etcdctl_in_pod member list -w simple 2>/dev/null)" || return 1
  [ "$(grep -c ', started, ' <<<"$list")" -eq "$MEMBERS" ] || return 1
  health="$(etcdctl_in_pod endpoint health --cluster 2>&1)" || return 1
  [ "$(grep -c 'is healthy' <<<"$health")" -eq "$MEMBERS" ]
}
wait_until "$TIMEOUT_SECONDS" members_healthy || die "the restored etcd cluster does not have $MEMBERS healthy members \
${TIMEOUT_SECONDS}s after the restore (did every control-plane node restore the same snapshot? etcdctl member list \
in the etcd container of $NODE_NAME)"
log "the restored etcd cluster has $MEMBERS healthy members"
wait_until "$TIMEOUT_SECONDS" api_server_ready "$NODE_ADDRESS" "$API_PORT" \
  || die "the API server of $NODE_NAME is not ready ${TIMEOUT_SECONDS}s after the etcd restore (crictl ps --name kube-apiserver)"
log "the cluster is back from the snapshot"
