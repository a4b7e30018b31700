#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: /usr/local/sbin/kubeha-etcd-snapshot KIND on a control-plane node: saves a snapshot of this node's etcd
# member (`etcdctl snapshot save` in the etcd container, etcd-io/website content/en/docs/v3.5/op-guide/recovery.md)
# as BACKUP_DIRECTORY/etcd-NODE-YYYYmmddTHHMMSSZ-KIND.db (root-only), then keeps the RETENTION newest of that KIND.
# KIND: scheduled (kubeha-etcd-snapshot.timer), before-upgrade, before-removal or manual.
# Parameters: NODE_NAME, BACKUP_DIRECTORY, RETENTION.
kind="${1:-manual}"
case "$kind" in
  scheduled | before-upgrade | before-removal | manual) ;;
  *) die "usage: kubeha-etcd-snapshot [scheduled|before-upgrade|before-removal|manual]" ;;
esac
backups="${KUBEHA_ROOT}${BACKUP_DIRECTORY}"
mkdir -p "$backups"
chmod 0700 "$backups"
# One snapshot at a time (the timer may fire during an upgrade's snapshot).
exec 9>"${backups}/.lock"
flock -w 600 9 || die "another snapshot held ${BACKUP_DIRECTORY}/.lock for 10 minutes"

# etcdctl writes inside the container; /var/lib/etcd is the container's view of the host's /var/lib/etcd.
partial=/var/lib/etcd/kubeha-snapshot.partial
rm -f "${KUBEHA_ROOT}${partial}" "${KUBEHA_ROOT}${partial}.part"
if ! etcdctl_in_pod snapshot save "$partial" >&2; then
  rm -f "${KUBEHA_ROOT}${partial}" "${KUBEHA_ROOT}${partial}.part"
  die "etcdctl snapshot save failed on $NODE_NAME (does its etcd member have quorum? crictl ps --name etcd)"
fi
name="etcd-${NODE_NAME}-$(date -u +%Y%m%dT%H%M%SZ)-${kind}.db"
chmod 0600 "${KUBEHA_ROOT}${partial}"
mv -f "${KUBEHA_ROOT}${partial}" "${backups}/${name}"
log "etcd snapshot ${BACKUP_DIRECTORY}/${name} ($(wc -c <"${backups}/${name}") bytes)"

# Names sort by time: every snapshot of KIND but the RETENTION newest goes.
mapfile -t old < <(find "$backups" -maxdepth 1 -type f -name "etcd-${NODE_NAME}-*-${kind}.db" | sort | head -n "-${RETENTION}")
for f in "${old[@]}"; do
  rm -f "$f"
  log "removed the old snapshot ${f#"${KUBEHA_ROOT}"}"
done
