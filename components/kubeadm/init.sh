#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: kubeadm init on the first control-plane node, then print the CA certificate hash for the joins.
# Parameters: INIT_CONFIG (kubeadm YAML; secret), INSTALLED_VERSION_TOKEN.
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
if [ -f "$admin" ]; then
  log "already initialised ($admin exists)"
else
  version="$(kubeadm version -o short)" || die "kubeadm is not installed"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  printf '%s\n' "${INIT_CONFIG//"$INSTALLED_VERSION_TOKEN"/$version}" >"$work/kubeadm.yaml"
  log "kubeadm init ($version)"
  kubeadm init --config "$work/kubeadm.yaml" --upload-certs >&2 \
    || die "kubeadm init failed; see journalctl -u kubelet and crictl ps -a on this node"
fi

# The API answers before anything joins (bounded wait: 5 minutes).
for _ in $(seq 1 60); do
  if kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null 2>&1; then break; fi
  sleep 5
done
kubectl --kubeconfig "$admin" get --raw /readyz >/dev/null 2>&1 || die "the API server is not ready after 5 minutes"

ca="${KUBEHA_ROOT}/etc/kubernetes/pki/ca.crt"
hash="$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')" \
  || die "cannot compute the CA certificate hash of $ca"
[ -n "$hash" ] || die "cannot compute the CA certificate hash of $ca"
echo "KUBEHA_CA_CERT_HASH=sha256:${hash}"
