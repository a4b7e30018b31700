#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: etcd's membership as the dedicated etcd nodes (etcdNodes) see it: the transport under etcd/members.sh for
# external etcd (the membership check etcd-members, a member's removal), read after etcd/cluster.sh.
# etcdctl_local ARGS...: etcdctl against the etcd cluster from this node, through the first member that answers
# `member list`, this node's own first (a check must see the cluster even when this node's member is the one that is
# down), with the etcd image of this node's manifest (etcdctl_cluster).
etcdctl_local() {
  local image e
  image="$(etcd_image "$etcd_manifest" 2>/dev/null)" || { log "$NODE_NAME runs no etcd member yet (no $etcd_manifest)"; return 1; }
  for e in "https://${NODE_ADDRESS}:2379" $(other_endpoints | tr ',' ' '); do
    if etcdctl_cluster "$image" "$e" member list >/dev/null 2>&1; then
      etcdctl_cluster "$image" "$e" "$@"
      return
    fi
  done
  log "no etcd member answers (https://${NODE_ADDRESS}:2379,$(other_endpoints))"
  return 1
}
# etcdctl_at ENDPOINT ARGS...: etcdctl against ENDPOINT, with the etcd image of this node's manifest.
etcdctl_at() {
  local image
  image="$(etcd_image "$etcd_manifest" 2>/dev/null)" || { log "$NODE_NAME runs no etcd member (no $etcd_manifest)"; return 1; }
  etcdctl_cluster "$image" "$@"
}
