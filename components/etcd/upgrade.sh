#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: move an etcd node to the etcd of the configured Kubernetes version (<node>-etcd-upgrade, one etcd node at a
# time, before the control plane's upgrade): kubeadm and the kubelet of that version, a snapshot, then the static pod
# written again by the new kubeadm (`kubeadm init phase etcd local`, whose image is that kubeadm's etcd for the
# version: kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go, SupportedEtcdVersion), and the member healthy
# before the next node goes. A node that runs it already is left alone. kubeadm's upgrade does not touch an external
# etcd (kubernetes/website content/en/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade.md: external etcd is
# upgraded by its operator). Parameters: NODE_NAME, NODE_ADDRESS, MEMBERS, MEMBER_CONFIG, INSTALLED_VERSION_TOKEN,
# INITIAL_CLUSTER_TOKEN, INITIAL_CLUSTER_STATE_TOKEN, KUBERNETES_MINOR, KUBERNETES_PATCH, KUBERNETES_DEB_* and
# KUBERNETES_RPM_* (repo_kubernetes), TIMEOUT_SECONDS.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
[ -f "$etcd_manifest" ] || die "$NODE_NAME runs no etcd member (its <node>-etcd-member step starts it)"
wanted="${KUBERNETES_PATCH:-$KUBERNETES_MINOR}"
running="$(kubelet_version)"
if [ -n "$running" ] && runs_version "$running" "$wanted"; then
  write_member_config existing "$(configured_cluster)"
  image="$(etcd_member_image)" || die "kubeadm config images list names no etcd image on $NODE_NAME"
  if [ "$(etcd_image "$etcd_manifest")" = "$image" ]; then
    log "$NODE_NAME runs $image, kubeadm's etcd for Kubernetes $running"
    exit 0
  fi
else
  repo_kubernetes "$KUBERNETES_MINOR" || true
  patch="${KUBERNETES_PATCH:-$(kube_newest_patch "$KUBERNETES_MINOR")}"
  log "moving $NODE_NAME from Kubernetes ${running:-none} to $patch"
  kube_packages_install "$patch" kubeadm kubelet
  write_member_config existing "$(configured_cluster)"
  image="$(etcd_member_image)" || die "kubeadm config images list names no etcd image on $NODE_NAME"
fi
member_healthy || die "the etcd member of $NODE_NAME is not healthy before its upgrade; kubeha changes nothing"
etcd_snapshot before-upgrade
before="$(etcd_container)"
kubeadm init phase etcd local --config "$work/kubeadm.yaml" >&2 || die "kubeadm could not write the etcd manifest on $NODE_NAME"
systemctl daemon-reload
svc_restart kubelet
# The kubelet replaces the container of a changed static pod: a new one runs, then the member is healthy again.
replaced() { local now; now="$(etcd_container)"; [ -n "$now" ] && [ "$now" != "$before" ]; }
wait_until "$TIMEOUT_SECONDS" replaced || die "the kubelet did not start $image on $NODE_NAME within ${TIMEOUT_SECONDS}s"
wait_until "$TIMEOUT_SECONDS" member_healthy \
  || die "the etcd member of $NODE_NAME is not healthy ${TIMEOUT_SECONDS}s after its upgrade to $image"
log "$NODE_NAME runs $image"
