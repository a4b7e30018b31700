#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: etcd's membership as the etcd static pod of this control-plane node (ETCD_POD) sees it, through the API
# with admin.conf: the transport under etcd/members.sh for stacked etcd (the membership check, a node's removal in
# node-object.sh). Parameters: ETCD_POD.
kubectl_admin() { kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" "$@"; }
# etcdctl_at ENDPOINT ARGS...: etcdctl in the etcd pod of this node, against ENDPOINT, as kubeadm's etcd server (its
# certificate is a client certificate too, and every member trusts the etcd CA).
etcdctl_at() {
  local endpoint="$1"
  shift
  kubectl_admin -n kube-system exec "$ETCD_POD" -- etcdctl --endpoints="$endpoint" \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
    --key=/etc/kubernetes/pki/etcd/server.key "$@"
}
# etcdctl_local ARGS...: etcdctl in the etcd pod of this node, against its own member.
etcdctl_local() { etcdctl_at https://127.0.0.1:2379 "$@"; }
