#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: etcd's membership as the etcd static pod of this control-plane node (ETCD_POD) sees it, through the API
# with admin.conf: the functions the membership check (etcd/membership.sh) and a node's removal (node-object.sh)
# share. kubeadm names a member after its node and gives it the peer URL https://ADDRESS:2380; a member added by a
# join whose etcd never started has no name yet, only that URL (kubernetes/kubernetes cmd/kubeadm/app/util/etcd/
# etcd.go GetPeerURL; cmd/kubeadm/app/phases/etcd/local.go RemoveStackedEtcdMemberFromCluster finds its own member
# by that URL and removes it by ID, as etcd_member_ids and `member remove` do here).
kubectl_admin() { kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" "$@"; }
etcdctl_local() {
  kubectl_admin -n kube-system exec "$ETCD_POD" -- etcdctl --endpoints=https://127.0.0.1:2379 \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
    --key=/etc/kubernetes/pki/etcd/server.key "$@"
}
# etcd_members: one "ID NAME PEER_URL CLIENT_URL" line per member ("-" for a name or URL it has not got yet), from
# `etcdctl member list -w simple` ("ID, STATUS, NAME, PEER URLS, CLIENT URLS, LEARNER").
etcd_members() {
  local list
  list="$(etcdctl_local member list -w simple)" || die "cannot list the etcd members through $ETCD_POD"
  awk -F', ' 'NF >= 5 { print $1, ($3 == "" ? "-" : $3), ($4 == "" ? "-" : $4), ($5 == "" ? "-" : $5) }' <<<"$list"
}
# etcd_healthy_clients: the client URLs of the members that answer. `endpoint health --cluster -w simple` prints
# "URL is healthy: ..." or "URL is unhealthy: ..." per member, on stderr (seen with Debian's etcdctl 3.4 and 3.5, in
# ControlPlaneRotationTest), and fails when any is unhealthy: both streams are read, and the failure is expected.
etcd_healthy_clients() {
  { etcdctl_local endpoint health --cluster -w simple 2>&1 || true; } | awk '/ is healthy/ { print $1 }'
}
# etcd_member_ids NAME ADDRESS: the IDs of that node's member, by name or by peer URL.
etcd_member_ids() {
  local members
  members="$(etcd_members)" || exit 1
  awk -v name="$1" -v peer="https://${2}:2380" '$2 == name || $3 == peer { print $1 }' <<<"$members"
}
# etcd_quorum N: the members a cluster of N needs to agree (more than half).
etcd_quorum() { echo $(($1 / 2 + 1)); }
