#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: print the cluster's CA certificate hash (for joins) and the admin kubeconfig (the program marks both
# secret and points the kubeconfig at the VIP). Read-only and standalone (nothing from lib/os.sh): its text never
# changes, so Pulumi never updates this step and its output stays known in a preview.
root="${KUBEHA_ROOT:-}"
admin="${root}/etc/kubernetes/admin.conf"
ca="${root}/etc/kubernetes/pki/ca.crt"
for f in "$admin" "$ca"; do
  [ -f "$f" ] || { echo "kubeha: $f does not exist: kubeadm init has not run here" >&2; exit 1; }
done
hash="$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')"
[ -n "$hash" ] || { echo "kubeha: cannot compute the CA certificate hash of $ca" >&2; exit 1; }
echo "KUBEHA_CA_CERT_HASH=sha256:${hash}"
cat "$admin"
