#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: a control-plane node's API server around the restore of an external etcd (etcdRestoreFrom with etcdNodes),
# as Kubernetes' "Restoring an etcd cluster" orders it (kubernetes/website content/en/docs/tasks/administer-cluster/
# configure-upgrade-etcd.md: stop all API server instances, restore state in all etcd instances, restart all API
# server instances; kube-scheduler and kube-controller-manager restarted too, so that none relies on stale data).
#   stop   (<node>-restore-api-stop, before any etcd node restores): the node's static pods stop (etcd/static-pods.sh)
#   start  (<node>-restore-api-start, once the restored etcd has all its members): they start again, and the node's
#          API server answers /readyz
#   release (the delete of <node>-restore-api-stop, when etcdRestoreFrom is removed): the manifests a failed restore
#          left held are put back, so an abandoned restore does not leave the control plane stopped; after a
#          successful restore nothing is held, and it changes nothing.
# A second run finds them stopped, or started, and changes nothing.
# Parameters: ACTION, NODE_NAME, NODE_ADDRESS, SNAPSHOT_PATH (etcdRestoreFrom: another snapshot runs both actions
# again, around the etcd nodes' restores), API_PORT, TIMEOUT_SECONDS.
case "$ACTION" in
  stop)
    hold_static_pods kube-apiserver
    log "the API server of $NODE_NAME is stopped for the etcd restore from $SNAPSHOT_PATH"
    ;;
  start)
    release_static_pods
    wait_until "$TIMEOUT_SECONDS" api_server_ready "$NODE_ADDRESS" "$API_PORT" \
      || die "the API server of $NODE_NAME is not ready ${TIMEOUT_SECONDS}s after the etcd restore (crictl ps --name kube-apiserver)"
    log "the API server of $NODE_NAME is back on the etcd restored from $SNAPSHOT_PATH"
    ;;
  release)
    release_static_pods
    log "the static pods of $NODE_NAME run from /etc/kubernetes/manifests (none held for an etcd restore)"
    ;;
  *) die "ACTION must be stop, start or release, not '$ACTION'" ;;
esac
