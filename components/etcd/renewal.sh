#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: renewing a certificate signed by the external etcd's CA, shared by etcd/certificates.sh (an etcd node's own
# certificates) and etcd/client-certificate.sh (the API server's client certificate on a control-plane node).
# `kubeadm certs renew NAME` re-signs the certificate with the same subject, SANs and usages, read from the existing
# file, and a new key, for kubeadm's validity (kubernetes/kubernetes cmd/kubeadm/app/phases/certs/renewal/manager.go:
# RenewUsingLocalCA, certToConfig), with the CA from the certificates directory (certsphase.LoadCertificateAuthority:
# it fails without the CA's key). kubeha holds the etcd CA in the stack's state (the <ca node>-etcd-ca step's secret
# output), so the key is written for the renewal only and removed when it is done or the step ends, except on the etcd
# node that made the CA, which keeps it (member.sh). The renewal manager knows the etcd certificates only when the
# configuration's etcd is local (NewManager: GetCertsWithoutEtcd with etcd.external), and for a certificate it does not
# know it prints "MISSING!" and exits 0 (cmd/kubeadm/app/cmd/certs.go, renewCert): the caller checks the new end date.
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
  local config="$1" name
  shift
  base64 -d <<<"$ETCD_CA_CRT" | put_file /etc/kubernetes/pki/etcd/ca.crt 0644 || true
  base64 -d <<<"$ETCD_CA_KEY" | put_file /etc/kubernetes/pki/etcd/ca.key 0600 || true
  for name in "$@"; do
    kubeadm certs renew "$name" --config "$config" >&2 || die "kubeadm certs renew $name failed on $NODE_NAME"
  done
  drop_etcd_ca_key
}
