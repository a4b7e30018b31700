#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: kubeadm init on the first control-plane node, then print the CA certificate hash for the joins.
# Done only when kubeadm init exited 0 (its marker, lib/os.sh); an init that stopped half-way (admin.conf is
# written long before the uploads, the bootstrap token and the addons that every join needs) is reset and run again.
# It refuses to create a second cluster: on a node that joined the cluster rather than initialised it (the first
# node of controlPlaneNodes was removed or reordered), and on a fresh node while an API server already answers at
# the VIP (the node that initialised the cluster was rebuilt while others still serve). Failing here stops
# `pulumi up` before it deletes anything.
# Parameters: NODE_NAME, API_ENDPOINT (VIP:port), INIT_CONFIG (kubeadm YAML; secret), INSTALLED_VERSION_TOKEN.
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
legacy_marker="${kubeha_state}/initialised-here"  # written by kubeha before 0.2, before kubeadm init ran

# What every join needs from a finished init: the API, kubeadm's config, the discovery ConfigMap, and the addons
# (kubeadm's last phase: CoreDNS, then kube-proxy).
init_complete() {
  kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null 2>&1 \
    && kubectl --kubeconfig "$admin" -n kube-system get configmap kubeadm-config >/dev/null 2>&1 \
    && kubectl --kubeconfig "$admin" -n kube-public get configmap cluster-info >/dev/null 2>&1 \
    && kubectl --kubeconfig "$admin" -n kube-system get deployment coredns >/dev/null 2>&1 \
    && kubectl --kubeconfig "$admin" -n kube-system get daemonset kube-proxy >/dev/null 2>&1
}

# Nodes other than this one in the cluster that admin.conf reaches. None can have joined an init that never
# finished (every join waits for the init step), so with no marker here they mean this node joined that cluster: an
# earlier kubeha wrote no join marker, and `kubeadm upgrade` rewrites the etcd manifest without
# --initial-cluster-state=existing (kubernetes/kubernetes cmd/kubeadm/app/phases/etcd/local.go,
# CreateLocalEtcdStaticPodManifestFile, "used by init ... or by kubeadm upgrade").
other_nodes() {
  local names n
  names="$(kubectl --kubeconfig "$admin" get nodes -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" || return 0
  for n in $names; do
    if [ "$n" != "$NODE_NAME" ]; then echo "$n"; fi
  done
}
refuse_joined() {
  die "$NODE_NAME joined an existing cluster; it did not initialise it and cannot become the first control-plane \
node. Keep the node that ran kubeadm init first in controlPlaneNodes (see the README, Limits)"
}

if [ -f "$join_done" ] || joined_as_control_plane; then
  refuse_joined
fi
if [ -f "$init_done" ]; then
  log "already initialised (kubeadm init finished here)"
elif [ -f "$legacy_marker" ] && [ -f "$admin" ]; then
  # A cluster built by an earlier kubeha: adopt it once it answers; never reset it.
  wait_until 300 init_complete || die "$NODE_NAME initialised the cluster, but its API does not answer with \
kubeadm-config, cluster-info, CoreDNS and kube-proxy after 5 minutes; kubeha will not reset it (kubectl get pods -A on this node)"
  mark_done "$init_done"
  log "already initialised (adopted the cluster initialised by an earlier kubeha)"
else
  if kubeadm_started; then
    [ -z "$(other_nodes)" ] || refuse_joined
    # kubeadm init may have finished with only the marker missing (the connection dropped): then keep it.
    if wait_until 60 init_complete; then
      mark_done "$init_done"
    else
      kubeadm_start_over "kubeadm init"
    fi
  fi
  if [ ! -f "$init_done" ]; then
    status="$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "https://${API_ENDPOINT}/healthz")" || status=000
    [ "$status" = 000 ] || die "an API server already answers at https://${API_ENDPOINT} (HTTP $status): kubeadm \
init on $NODE_NAME would create a second cluster. The node that initialised the cluster cannot be rebuilt on its own \
(see the README, Limits)"
    version="$(kubeadm version -o short)" || die "kubeadm is not installed"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    chmod 700 "$work"
    printf '%s\n' "${INIT_CONFIG//"$INSTALLED_VERSION_TOKEN"/$version}" >"$work/kubeadm.yaml"
    log "kubeadm init ($version)"
    # Without the skip flags kubeadm prints the token, the certificate key and whole join commands.
    kubeadm init --config "$work/kubeadm.yaml" --upload-certs --skip-token-print --skip-certificate-key-print >&2 \
      || die "kubeadm init failed; see journalctl -u kubelet and crictl ps -a on this node. Run pulumi up again \
once the cause is fixed: the unfinished init is reset and run again"
    mark_done "$init_done"
  fi
fi

# The API answers before anything joins.
api_ready() { kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null 2>&1; }
wait_until 300 api_ready || die "the API server is not ready after 5 minutes"

ca="${KUBEHA_ROOT}/etc/kubernetes/pki/ca.crt"
hash="$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')" \
  || die "cannot compute the CA certificate hash of $ca"
[ -n "$hash" ] || die "cannot compute the CA certificate hash of $ca"
echo "KUBEHA_CA_CERT_HASH=sha256:${hash}"
