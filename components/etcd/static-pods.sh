#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: a node's static pods stopped and started again around an etcd restore (etcd/restore.sh on the nodes that
# hold etcd's members, etcd/restore-api-servers.sh on control-plane nodes whose etcd is external). The kubelet runs
# the manifests in /etc/kubernetes/manifests, stops a static pod whose manifest leaves and starts it again when it is
# back; the manifests are held in /etc/kubernetes/kubeha-restore-held-manifests meanwhile, so a run interrupted there
# finds them on the next.
manifests="${KUBEHA_ROOT}/etc/kubernetes/manifests"
held="${KUBEHA_ROOT}/etc/kubernetes/kubeha-restore-held-manifests"
# container_stopped NAME: no container of that name runs on this node (crictl ps --name '^NAME$'). A crictl that
# fails says nothing: the container is not known to be stopped, and the destructive step after it waits (fail closed).
container_stopped() {
  local ids
  ids="$(crictl_containerd ps --name "^${1}\$" --state running -q 2>/dev/null)" || return 1
  [ -z "$ids" ]
}
# move_manifests FROM TO: every manifest in FROM moved to TO.
move_manifests() {
  local f
  mkdir -p "$2"
  for f in "$1"/*.yaml; do
    [ -e "$f" ] || continue
    mv -f "$f" "$2/"
  done
}
# hold_static_pods CONTAINER: every manifest moved aside, then wait until CONTAINER's container stopped.
hold_static_pods() {
  move_manifests "$manifests" "$held"
  wait_until 120 container_stopped "$1" || die "the $1 container of $NODE_NAME still runs 2 minutes after its manifest \
was moved to /etc/kubernetes/kubeha-restore-held-manifests, or crictl cannot tell (crictl ps --name $1); nothing else \
was changed; run pulumi up again"
}
# release_static_pods: the held manifests back where the kubelet starts them.
release_static_pods() {
  move_manifests "$held" "$manifests"
  rmdir "$held" 2>/dev/null || true
}
