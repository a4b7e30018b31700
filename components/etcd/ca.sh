#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the etcd CA of the external etcd, on the first etcd node (<etcd1>-etcd-ca): made once with kubeadm
# (`kubeadm init phase certs etcd-ca`), then the control plane's client certificate signed by it (`kubeadm init
# phase certs apiserver-etcd-client`), as kubeadm's HA etcd guide does on its first host (kubernetes/website
# content/en/docs/setup/production-environment/tools/kubeadm/setup-ha-etcd-with-kubeadm.md, "Generate the
# certificate authority", "Create certificates for each member"). kubeadm keeps certificates that exist and are
# valid, so a second run changes nothing. Prints them base64-encoded, one per line (the step's stdout is a secret):
# the other members get the CA from there, the first control-plane node the CA certificate and the client pair.
# Parameters: NODE_NAME, NODE_ADDRESS, MEMBERS, MEMBER_CONFIG, INSTALLED_VERSION_TOKEN, INITIAL_CLUSTER_TOKEN,
# INITIAL_CLUSTER_STATE_TOKEN.
pki="${KUBEHA_ROOT}/etc/kubernetes/pki"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
write_member_config new "$(configured_cluster)"
if [ ! -f "$etcd_pki/ca.crt" ]; then
  kubeadm init phase certs etcd-ca --config "$work/kubeadm.yaml" >&2 || die "kubeadm could not make the etcd CA on $NODE_NAME"
  log "made the etcd CA"
fi
[ -f "$etcd_pki/ca.key" ] || die "$NODE_NAME has the etcd CA's certificate but not its key (/etc/kubernetes/pki/etcd/ca.key); \
kubeha cannot sign etcd certificates without it. Put the key back, or see the README (External etcd, Limits)"
kubeadm init phase certs apiserver-etcd-client --config "$work/kubeadm.yaml" >&2 \
  || die "kubeadm could not make the API server's etcd client certificate on $NODE_NAME"
for pair in "ETCD_CA_CRT etcd/ca.crt" "ETCD_CA_KEY etcd/ca.key" "ETCD_CLIENT_CRT apiserver-etcd-client.crt" \
  "ETCD_CLIENT_KEY apiserver-etcd-client.key"; do
  printf 'KUBEHA_%s=%s\n' "${pair%% *}" "$(base64 -w0 <"$pki/${pair#* }")"
done
