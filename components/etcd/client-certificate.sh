#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: keep the API server's client certificate for the external etcd valid (<node>-etcd-client-certificate on each
# control-plane node, after its <node>-certificates, on the first `pulumi up` of each UTC day). kubeadm's renewal on
# the control plane leaves it out: the cluster's configuration names an external etcd (renewal/manager.go,
# GetCertsWithoutEtcd), and its CA, the etcd CA, has no key there. When it ends within RENEW_DAYS days it is renewed
# from the etcd CA of the stack's state (etcd/renewal.sh) with kubeadm's configuration of a local etcd (RENEWAL_CONFIG),
# which makes kubeadm know it. The API server needs no restart: its etcd client reads the certificate and key from
# disk on every new TLS connection (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/storagebackend/
# factory/etcd3.go, newETCD3Client: etcd's transport.TLSInfo.ClientConfig; etcd-io/etcd client/pkg/transport/
# listener.go: GetClientCertificate loads the files at each handshake); connections open before keep theirs.
# Parameters: NODE_NAME, RENEW_DAYS, CHECKED_ON (the UTC day of this check), RENEWAL_CONFIG, INSTALLED_VERSION_TOKEN,
# KEEP_CA_KEY (false), ETCD_CA_CRT and ETCD_CA_KEY (base64; secret).
pki="${KUBEHA_ROOT}/etc/kubernetes/pki"
work="$(mktemp -d)"
trap 'drop_etcd_ca_key; rm -rf "$work"' EXIT
chmod 700 "$work"
drop_etcd_ca_key  # (a key left by a step that was killed half-way)
client="$pki/apiserver-etcd-client.crt"
[ -f "$client" ] || die "$NODE_NAME has no client certificate for the external etcd (/etc/kubernetes/pki/apiserver-etcd-client.crt)"
if ! ends_within "$client"; then
  log "the external etcd client certificate of $NODE_NAME is valid for more than $RENEW_DAYS days (until \
$(end_date "$client")); checked $CHECKED_ON"
  exit 0
fi
log "the external etcd client certificate of $NODE_NAME ends within $RENEW_DAYS days ($(end_date "$client"))"
version="$(kubeadm version -o short)" || die "kubeadm is not installed on $NODE_NAME"
printf '%s\n' "${RENEWAL_CONFIG//"$INSTALLED_VERSION_TOKEN"/$version}" >"$work/kubeadm.yaml"
renew_with_etcd_ca "$work/kubeadm.yaml" apiserver-etcd-client
if ends_within "$client"; then
  die "the external etcd client certificate of $NODE_NAME still ends $(end_date "$client") after kubeadm certs renew"
fi
log "the external etcd client certificate of $NODE_NAME renewed: valid until $(end_date "$client"); the API server \
uses it from its next connection to etcd, no restart"
