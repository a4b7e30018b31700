#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: print the cluster's CA certificate hash (for joins) and kubeha's own admin kubeconfig (the program marks
# both secret and points the kubeconfig at the VIP). Read-only after its first run and standalone (nothing from
# lib/os.sh): its text never changes, so Pulumi never updates this step and its output stays known in a preview.
#
# The kubeconfig is not a copy of kubeadm's admin.conf, whose client certificate lasts one year (kubeadm renews the
# node's file, never a copy): a copy would leave the stack output, the CNI's Kubernetes provider and `pulumi destroy`
# Unauthorized after a year, and refreshing the copy would make the provider's kubeconfig unknown in that preview,
# which pulumi-kubernetes answers with a replacement of the (protected) provider (pulumi/pulumi-kubernetes v4.0.0
# provider/pkg/provider/provider.go, DiffConfig). So on its first run it makes kubeha's own client certificate,
# signed by the cluster CA and valid until one day before the CA itself expires (kubeadm's CA lasts ten years;
# kubeadm warns above one year and does not refuse: kubernetes/kubernetes cmd/kubeadm/app/cmd/kubeconfig.go), in the
# group kubeadm:cluster-admins, which kubeadm >= 1.29 binds to cluster-admin through RBAC (its admin.conf uses it;
# only super-admin.conf is system:masters, which no RBAC change can revoke: cmd/kubeadm/app/phases/kubeconfig/
# kubeconfig.go), and keeps it in /etc/kubernetes/kubeha-admin.conf (root only). Later runs print that file.
root="${KUBEHA_ROOT:-}"
admin="${root}/etc/kubernetes/admin.conf"
ca="${root}/etc/kubernetes/pki/ca.crt"
own="${root}/etc/kubernetes/kubeha-admin.conf"
for f in "$admin" "$ca"; do
  [ -f "$f" ] || { echo "kubeha: $f does not exist: kubeadm init has not run here" >&2; exit 1; }
done
fail() { echo "kubeha: $*" >&2; exit 1; }

if [ ! -s "$own" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  kubectl --kubeconfig "$admin" -n kube-system get configmap kubeadm-config \
    -o jsonpath='{.data.ClusterConfiguration}' >"$work/cluster.yaml" \
    || fail "cannot read the ClusterConfiguration from the kubeadm-config ConfigMap"
  ca_end="$(openssl x509 -noout -enddate -in "$ca" | sed 's/^notAfter=//')"
  hours=$((($(date -u -d "$ca_end" +%s) - $(date -u +%s)) / 3600 - 24))
  [ "$hours" -gt 24 ] || fail "the cluster CA $ca expires on $ca_end: no credential can outlive it"
  (umask 077 && kubeadm kubeconfig user --config "$work/cluster.yaml" --client-name kubeha-admin \
    --org kubeadm:cluster-admins --validity-period "${hours}h" >"$work/kubeha-admin.conf") \
    || fail "kubeadm kubeconfig user could not make kubeha's admin credential"
  grep -q 'client-certificate-data:' "$work/kubeha-admin.conf" \
    || fail "kubeadm kubeconfig user printed no client certificate"
  chmod 600 "$work/kubeha-admin.conf"
  mv "$work/kubeha-admin.conf" "$own"
fi
hash="$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //')"
[ -n "$hash" ] || fail "cannot compute the CA certificate hash of $ca"
echo "KUBEHA_CA_CERT_HASH=sha256:${hash}"
cat "$own"
