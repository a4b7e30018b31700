#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: what the steps of a dedicated etcd node (etcdNodes: kubeadm's external etcd) share. The node runs its member
# as kubeadm's static pod under a kubelet that only runs static pods, as kubeadm's "Set up a High Availability etcd
# cluster with kubeadm" does (kubernetes/website content/en/docs/setup/production-environment/tools/kubeadm/
# setup-ha-etcd-with-kubeadm.md). Parameters: NODE_NAME, NODE_ADDRESS, MEMBERS (NAME=ADDRESS of every etcd node,
# space-separated).
# shellcheck disable=SC2034 # (the four paths are for the scripts that read this library)
etcd_pki="${KUBEHA_ROOT}/etc/kubernetes/pki/etcd"
# shellcheck disable=SC2034
etcd_manifest="${KUBEHA_ROOT}/etc/kubernetes/manifests/etcd.yaml"
# shellcheck disable=SC2034
etcd_data="${KUBEHA_ROOT}/var/lib/etcd"
# shellcheck disable=SC2034
peer_url="https://${NODE_ADDRESS}:2380"

# other_endpoints: the client URLs of the other etcd nodes, comma-separated.
other_endpoints() {
  local m out=""
  for m in $MEMBERS; do
    [ "${m%%=*}" = "$NODE_NAME" ] || out="${out:+$out,}https://${m#*=}:2379"
  done
  printf '%s\n' "$out"
}

# member_name PEER_URL: the configured etcd node of a peer URL (empty for one that is not configured).
member_name() {
  local m
  for m in $MEMBERS; do
    if [ "https://${m#*=}:2380" = "$1" ]; then printf '%s\n' "${m%%=*}"; fi
  done
}

# etcdctl_cluster IMAGE ENDPOINTS ARGS...: etcdctl of kubeadm's etcd image (lib/os.sh: etcdctl is not installed on
# the node) in a one-off container on the host's network, as a client of the etcd CA with this node's
# healthcheck-client certificate (kubeadm's etcd members require client certificates of their CA: --client-cert-auth,
# cmd/kubeadm/app/phases/etcd/local.go). `ctr run --net-host --mount` (containerd/containerd cmd/ctr/commands/run).
etcdctl_cluster() {
  local image="$1" endpoints="$2"
  shift 2
  ctr -n k8s.io run --rm --net-host \
    --mount type=bind,src=/etc/kubernetes/pki/etcd,dst=/etc/kubernetes/pki/etcd,options=rbind:ro \
    "$image" "kubeha-etcdctl-$$" etcdctl --endpoints="$endpoints" --dial-timeout=5s --command-timeout=15s \
    --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt \
    --key=/etc/kubernetes/pki/etcd/healthcheck-client.key "$@"
}

# healthy_other IMAGE: the client URL of another member that answers and commits (none: returns 1). One at a time,
# for `etcdctl endpoint health` fails when any endpoint it is given fails, a lost machine's included. A member that
# is not started yet refuses at once, but etcdctl keeps dialling until its dial timeout: 2 s, plenty on a LAN.
healthy_other() {
  local e
  for e in $(other_endpoints | tr ',' ' '); do
    if etcdctl_cluster "$1" "$e" endpoint health --dial-timeout=2s --command-timeout=3s >/dev/null 2>&1; then
      printf '%s\n' "$e"
      return 0
    fi
  done
  return 1
}

# member_healthy: this node's member answers and commits through its cluster (etcdctl in its own container).
member_healthy() { etcdctl_in_pod endpoint health >/dev/null 2>&1; }

# write_member_config STATE INITIAL_CLUSTER: MEMBER_CONFIG (kubeadm's configuration of this member) at
# $work/kubeadm.yaml (work: the calling step's temporary directory; the membership check, which reads this library
# too, calls neither function), the installed kubeadm's version, the cluster state and the member list filled in.
write_member_config() {
  local version config
  version="$(kubeadm version -o short)" || die "kubeadm is not installed on $NODE_NAME"
  config="${MEMBER_CONFIG//"$INSTALLED_VERSION_TOKEN"/$version}"
  config="${config//"$INITIAL_CLUSTER_STATE_TOKEN"/$1}"
  printf '%s\n' "${config//"$INITIAL_CLUSTER_TOKEN"/$2}" >"${work:?set by the step that reads this library}/kubeadm.yaml"
}

# configured_cluster: every configured member as etcd's --initial-cluster names it (NAME=https://ADDRESS:2380,...).
configured_cluster() {
  local m out=""
  for m in $MEMBERS; do out="${out:+$out,}${m%%=*}=https://${m#*=}:2380"; done
  printf '%s\n' "$out"
}

# etcd_member_image: the etcd image of the installed kubeadm, from the member configuration at $work/kubeadm.yaml.
etcd_member_image() {
  local line
  while IFS= read -r line; do
    case "$line" in */etcd:*) printf '%s\n' "$line"; return 0 ;; esac
  done < <(kubeadm config images list --config "${work:?set by the step that reads this library}/kubeadm.yaml" 2>/dev/null)
  return 1
}
