#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: an etcd node leaves (delete of <node>-etcd-member): a snapshot of its member first (when the backup step
# installed the command), its member removed from the cluster through the other members (etcd-io/website
# content/en/docs/v3.5/op-guide/runtime-configuration.md, "Remove a member") unless that would leave etcd without
# quorum or when another member left since this removal was planned (etcd/members.sh), then
# kubeadm reset and the kubelet's etcd drop-ins. The snapshots stay. Carries no secrets. Parameters: NODE_NAME,
# NODE_ADDRESS, MEMBERS.
if [ -f "$etcd_manifest" ]; then
  if [ -x "$etcd_snapshot_command" ]; then etcd_snapshot before-removal; fi
  image="$(etcd_image "$etcd_manifest")" || die "no etcd image in /etc/kubernetes/manifests/etcd.yaml on $NODE_NAME"
  others="$(healthy_other "$image")" || die "no other etcd member answers ($(other_endpoints)); $NODE_NAME stays a \
member rather than leave a cluster without quorum"
  list="$(etcdctl_cluster "$image" "$others" member list -w simple)" \
    || die "cannot list the etcd members through $others; $NODE_NAME stays a member"
  ids="$(awk -F', ' -v peer="$peer_url" '$4 == peer { print $1 }' <<<"$list")"
  # shellcheck disable=SC2086 # MEMBERS: NAME=ADDRESS words, counted
  if [ -n "$ids" ]; then
    etcd_removal_keeps_quorum "$NODE_NAME" "$(set -- $MEMBERS; echo $#)"
    etcd_hand_over_leadership "https://${NODE_ADDRESS}:2379" "$others"
  fi
  # etcd refuses a removal that would leave a member that is not connected yet ("unhealthy cluster": the others must
  # have been connected for a few seconds, etcd-io/etcd server/etcdserver/server.go mayRemoveMember), so it is retried.
  for id in $ids; do
    wait_until 60 etcdctl_cluster "$image" "$others" member remove "$id" >&2 \
      || die "cannot remove the etcd member $id of $NODE_NAME (etcdctl member list on another etcd node)"
    log "removed the etcd member $id of $NODE_NAME"
  done
fi
if command -v kubeadm >/dev/null 2>&1; then
  kubeadm reset -f >&2 || die "kubeadm reset failed on $NODE_NAME"
fi
rm -rf "$etcd_data"
if [ -f "${KUBEHA_ROOT}/etc/systemd/system/kubeha-etcd-snapshot.timer" ]; then
  systemctl disable --now kubeha-etcd-snapshot.timer >&2 || log "could not stop kubeha-etcd-snapshot.timer"
  rm -f "${KUBEHA_ROOT}/etc/systemd/system/kubeha-etcd-snapshot.timer" \
    "${KUBEHA_ROOT}/etc/systemd/system/kubeha-etcd-snapshot.service" "$etcd_snapshot_command"
fi
rm -f "${KUBEHA_ROOT}/etc/systemd/system/kubelet.service.d/kubelet.conf" \
  "${KUBEHA_ROOT}/etc/systemd/system/kubelet.service.d/20-etcd-service-manager.conf"
systemctl daemon-reload || true
log "$NODE_NAME left the etcd cluster"
