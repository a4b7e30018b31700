#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: renewing a certificate signed by the external etcd's CA, shared by etcd/certificates.sh (an etcd node's own
# certificates) and etcd/client-certificate.sh (the API server's client certificate on a control-plane node).
# `kubeadm certs renew NAME` re-signs the certificate with the same subject, SANs and usages, read from the existing
# file, and a new key, for kubeadm's validity (kubernetes/kubernetes cmd/kubeadm/app/phases/certs/renewal/manager.go:
# RenewUsingLocalCA, certToConfig), with the CA from the certificates directory (certsphase.LoadCertificateAuthority).
# kubeha holds the etcd CA in the stack's state (the <ca node>-etcd-ca step's secret output), so the key is written for
# the renewal only and removed when it is done or the step ends, except on the etcd node that made the CA, which keeps
# it (member.sh). kubeadm renews nothing and still exits 0 in two cases (cmd/kubeadm/app/cmd/certs.go, renewCert): a
# certificate its renewal manager does not know ("MISSING! ...": it knows the etcd certificates only when the
# configuration's etcd is local, NewManager: GetCertsWithoutEtcd with etcd.external) or a CA without its key ("Detected
# external etcd/ca, ... can't be renewed": RenewUsingLocalCA returns early when IsExternallyManaged, which
# certs.UsingExternalEtcdCA says when etcd/ca.crt is there and etcd/ca.key is not). Both stop the step, naming what
# kubeadm said; the callers check the new end date as well.
# Parameters: NODE_NAME, RENEW_DAYS, KEEP_CA_KEY (true on the etcd node that made the CA), ETCD_CA_CRT and ETCD_CA_KEY
# (base64; secret).
held_ca_key="${KUBEHA_ROOT}/etc/kubernetes/pki/etcd/ca.key"

# ends_within FILE: the certificate ends within RENEW_DAYS days (or cannot be read).
ends_within() { ! openssl x509 -noout -checkend $((RENEW_DAYS * 86400)) -in "$1" >/dev/null 2>&1; }

# end_date FILE: when the certificate ends, as openssl says it (Dec  7 04:30:00 2027 GMT).
end_date() { openssl x509 -noout -enddate -in "$1" 2>/dev/null | sed 's/^notAfter=//'; }

# drop_etcd_ca_key: the etcd CA's key leaves this node, unless it is the node that made the CA (also on the step's
# exit: the scripts trap it, so a failed renewal leaves no key behind either).
drop_etcd_ca_key() { if [ "$KEEP_CA_KEY" != true ]; then rm -f "$held_ca_key"; fi; }

# renew_with_etcd_ca CONFIG NAME...: `kubeadm certs renew NAME --config CONFIG` for each, with the etcd CA (certificate
# and key, from the state) in the certificates directory while they run.
renew_with_etcd_ca() {
  local config="$1" name said
  shift
  base64 -d <<<"$ETCD_CA_CRT" | put_file /etc/kubernetes/pki/etcd/ca.crt 0644 || true
  base64 -d <<<"$ETCD_CA_KEY" | put_file /etc/kubernetes/pki/etcd/ca.key 0600 || true
  for name in "$@"; do
    said="$(kubeadm certs renew "$name" --config "$config" 2>&1)" || { printf '%s\n' "$said" >&2; die "kubeadm certs \
renew $name failed on $NODE_NAME"; }
    printf '%s\n' "$said" >&2
    case "$said" in *'MISSING!'* | *'Detected external'*)
      die "kubeadm did not renew $name on $NODE_NAME: '$said' (the etcd CA's key from the stack's state was to be in \
/etc/kubernetes/pki/etcd/ca.key, and kubeadm's configuration for the renewal names a local etcd)" ;;
    esac
  done
  drop_etcd_ca_key
}
