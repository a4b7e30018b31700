#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: kubeadm init on the first control-plane node, then print the CA certificate hash for the joins.
# It refuses to create a second cluster: on a node that joined the cluster rather than initialised it (the first
# node of controlPlaneNodes was removed or reordered), and on a fresh node while an API server already answers at
# the VIP (the node that initialised the cluster was rebuilt while others still serve). Failing here stops
# `pulumi up` before it deletes anything.
# Parameters: NODE_NAME, API_ENDPOINT (VIP:port), INIT_CONFIG (kubeadm YAML; secret), INSTALLED_VERSION_TOKEN.
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
marker="${KUBEHA_ROOT}/var/lib/kubeha/initialised-here"
if [ -f "$admin" ]; then
  [ -f "$marker" ] || die "$NODE_NAME joined an existing cluster; it did not initialise it and cannot become the \
first control-plane node. Keep the node that ran kubeadm init first in controlPlaneNodes (see the README, Limits)"
  log "already initialised ($admin exists)"
else
  status="$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "https://${API_ENDPOINT}/healthz")" || status=000
  [ "$status" = 000 ] || die "an API server already answers at https://${API_ENDPOINT} (HTTP $status): kubeadm init \
on $NODE_NAME would create a second cluster. The node that initialised the cluster cannot be rebuilt on its own \
(see the README, Limits)"
  version="$(kubeadm version -o short)" || die "kubeadm is not installed"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  printf '%s\n' "${INIT_CONFIG//"$INSTALLED_VERSION_TOKEN"/$version}" >"$work/kubeadm.yaml"
  mkdir -p "$(dirname "$marker")"
  touch "$marker"
  log "kubeadm init ($version)"
  # Without the skip flags kubeadm prints the token, the certificate key and whole join commands.
  kubeadm init --config "$work/kubeadm.yaml" --upload-certs --skip-token-print --skip-certificate-key-print >&2 \
    || die "kubeadm init failed; see journalctl -u kubelet and crictl ps -a on this node"
fi

# The API answers before anything joins.
api_ready() { kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null 2>&1; }
wait_until 300 api_ready || die "the API server is not ready after 5 minutes"

ca="${KUBEHA_ROOT}/etc/kubernetes/pki/ca.crt"
hash="$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')" \
  || die "cannot compute the CA certificate hash of $ca"
[ -n "$hash" ] || die "cannot compute the CA certificate hash of $ca"
echo "KUBEHA_CA_CERT_HASH=sha256:${hash}"
