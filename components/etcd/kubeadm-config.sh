#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: with external etcd (etcdNodes), the etcd endpoints of kubeadm's cluster configuration (the ClusterConfiguration
# in the kube-system/kubeadm-config ConfigMap) set to the etcd nodes' client URLs. kubeadm reads that configuration when
# a control-plane node joins and when a node is upgraded (kubernetes/kubernetes cmd/kubeadm/app/util/config/cluster.go,
# FetchInitConfigurationFromCluster), and writes the API server's --etcd-servers from its etcd.external.endpoints
# (cmd/kubeadm/app/phases/controlplane/manifests.go, getAPIServerCommand): without this, a node joined or upgraded
# after an etcd node moved would be given the old addresses.
# The change is structural: kubectl applies a JSON merge patch that sets etcd.external.endpoints to the document alone
# (`kubectl patch --local`: the patch applied to the file's content, no server; a YAML patch is accepted too:
# staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go, RunPatch), every other field as it was, and the document goes back
# into the ConfigMap with a merge patch of its data. Run on the cluster's acting member once every etcd member of
# etcdNodes is healthy, before any API server moves to them (etcd/api-server-endpoints.sh). A configuration that names
# these endpoints already is left alone.
# While etcd is restored (etcdRestoreFrom) the API does not answer: nothing is read or changed then; the step runs
# again (its RESTORING changes) once etcdRestoreFrom is removed.
# Parameters: NODE_NAME (where this runs), ENDPOINTS (the client URLs, space-separated), ENDPOINTS_PATCH (the JSON
# merge patch that sets them), RESTORING (yes with etcdRestoreFrom set).
if [ "$RESTORING" = yes ]; then
  log "etcd is being restored (etcdRestoreFrom): kubeadm-config's etcd endpoints are checked by the first pulumi up \
after etcdRestoreFrom is removed"
  exit 0
fi
KUBECTL=(kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" --request-timeout=10s -n kube-system)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# stored_configuration FILE: the ClusterConfiguration of the ConfigMap, as kubeadm stored it.
stored_configuration() {
  "${KUBECTL[@]}" get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' >"$1" \
    || die "cannot read the kubeadm-config ConfigMap (kube-system) from $NODE_NAME"
  [ -s "$1" ] || die "the kubeadm-config ConfigMap (kube-system) has no ClusterConfiguration"
}
# endpoints_of FILE: its etcd.external.endpoints, space-separated (kubectl reads the file alone).
endpoints_of() {
  kubectl patch --local -f "$1" --type merge -p '{}' -o 'jsonpath={.etcd.external.endpoints[*]}' \
    || die "kubectl cannot read the ClusterConfiguration of kubeadm-config as a document"
}

stored_configuration "$work/stored.yaml"
current="$(endpoints_of "$work/stored.yaml")"
[ -n "$current" ] || die "the ClusterConfiguration of kubeadm-config has no etcd.external.endpoints: this cluster's \
API servers do not use an external etcd, and kubeha will not give them one"
if [ "$current" = "$ENDPOINTS" ]; then
  log "kubeadm-config names the etcd endpoints already: $ENDPOINTS"
  exit 0
fi
kubectl patch --local -f "$work/stored.yaml" --type merge -p "$ENDPOINTS_PATCH" -o yaml >"$work/wanted.yaml" \
  || die "kubectl cannot set etcd.external.endpoints in the ClusterConfiguration of kubeadm-config"
# The whole document as the value of data.ClusterConfiguration: a YAML literal block, each line indented, so the
# document goes back byte for byte (its first line starts a key, so the block's indentation is the one added here).
{
  printf 'data:\n  ClusterConfiguration: |\n'
  sed 's/^/    /' "$work/wanted.yaml"
} >"$work/patch.yaml"
"${KUBECTL[@]}" patch configmap kubeadm-config --type merge --patch-file "$work/patch.yaml" >&2 \
  || die "cannot update the kubeadm-config ConfigMap (kube-system) from $NODE_NAME"
stored_configuration "$work/stored.yaml"
after="$(endpoints_of "$work/stored.yaml")"
[ "$after" = "$ENDPOINTS" ] || die "kubeadm-config names the etcd endpoints '$after' after the update, not '$ENDPOINTS'"
log "kubeadm-config names the etcd endpoints $ENDPOINTS (before: $current)"
