#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: disaster recovery of etcd (<node>-etcd-restore, when etcdRestoreFrom is set), on each node that holds a
# member (the control-plane nodes, or the etcd nodes of etcdNodes), one after the other. Every member is restored
# from the same snapshot with the whole new membership, a new cluster token and, where etcdutl has them, a revision
# bump marked compacted so that watchers relist (etcd-io/website
# content/en/docs/v3.5/op-guide/recovery.md: "Restoring with updated membership", "Restoring with revision bump");
# kubeadm's etcd manifest then starts on the restored /var/lib/etcd (its --initial-cluster flags only matter for an
# empty data directory). The old data directory is kept beside it. A node that restored this snapshot already is
# left alone. Order: the restore is staged first, so a snapshot that cannot be restored changes nothing; then the
# static pods are stopped (etcd/static-pods.sh), the data directories swapped, and the manifests put back.
# Parameters: NODE_NAME, NODE_ADDRESS, SNAPSHOT_PATH (absolute path on the node), INITIAL_CLUSTER (NAME=https://ADDRESS:2380,...).
snapshot="${KUBEHA_ROOT}${SNAPSHOT_PATH}"
[ -f "$snapshot" ] || die "the snapshot $SNAPSHOT_PATH (etcdRestoreFrom) is not on $NODE_NAME; copy the same file to \
every node that holds an etcd member first (the control-plane nodes, or the etcdNodes; scp, see the README's Backups \
and disaster recovery)"
sum="$(sha256sum "$snapshot")"
sum="${sum%% *}"
restored_marker="${kubeha_state}/etcd-restored-from"
if [ -f "$restored_marker" ] && [ "$(cat "$restored_marker")" = "$sum" ]; then
  log "$NODE_NAME restored its etcd from $SNAPSHOT_PATH already"
  exit 0
fi

manifest="${manifests}/etcd.yaml"
[ -f "$manifest" ] || manifest="${held}/etcd.yaml"
[ -f "$manifest" ] || die "$NODE_NAME has no etcd static pod manifest (/etc/kubernetes/manifests/etcd.yaml): kubeadm set up no etcd member there"
image="$(etcd_image "$manifest")" || die "no image in $manifest"

# 1. Stage: the restored data directory next to the live one, from a copy of the snapshot the container can read.
stage=/var/lib/kubeha-etcd-restore
rm -rf "${KUBEHA_ROOT}${stage}"
mkdir -p "${KUBEHA_ROOT}${stage}"
chmod 0700 "${KUBEHA_ROOT}${stage}"
cp "$snapshot" "${KUBEHA_ROOT}${stage}/snapshot.db"
# --bump-revision and --mark-compacted came with etcdutl v3.5.x/v3.6 (recovery.md); an older one restores without.
bump=()
help="$(etcdutl_in_image "$image" "kubeha-etcd-restore-help-$$" snapshot restore --help 2>&1 || true)"
case "$help" in *--bump-revision*) bump=(--bump-revision 1000000000 --mark-compacted) ;; esac
etcdutl_in_image "$image" "kubeha-etcd-restore-$$" snapshot restore "${stage}/snapshot.db" \
  --name "$NODE_NAME" --initial-cluster "$INITIAL_CLUSTER" --initial-cluster-token "kubeha-restore-${sum:0:16}" \
  --initial-advertise-peer-urls "https://${NODE_ADDRESS}:2380" --data-dir "${stage}/etcd" "${bump[@]}" >&2 \
  || { rm -rf "${KUBEHA_ROOT}${stage}"; die "etcdutl snapshot restore of $SNAPSHOT_PATH failed on $NODE_NAME; nothing was changed"; }

# 2. Stop the static pods of this node: its etcd (and its control plane, when etcd is stacked).
hold_static_pods etcd

# 3. Swap the data directories, keep the old one, start again.
data="${KUBEHA_ROOT}/var/lib/etcd"
if [ -e "$data" ]; then
  kept="${data}.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  mv "$data" "$kept"
  log "kept the previous etcd data of $NODE_NAME in ${kept#"${KUBEHA_ROOT}"}"
fi
mv "${KUBEHA_ROOT}${stage}/etcd" "$data"
chmod 0700 "$data"
rm -rf "${KUBEHA_ROOT}${stage}"
release_static_pods
mkdir -p "$kubeha_state"
printf '%s\n' "$sum" >"$restored_marker"
log "$NODE_NAME restored its etcd member from $SNAPSHOT_PATH (sha256 $sum); its static pods start again"
