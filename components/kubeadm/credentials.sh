#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on a live control-plane node, right before a node joins: make sure the join's own bootstrap token
# exists and is valid for TOKEN_TTL_MINUTES more minutes, and (control-plane joins) re-upload the certificates
# encrypted with the known certificate key. Joins therefore work days or weeks after kubeadm init (the uploaded
# certificates live 2 hours, bootstrap tokens 24). Secrets travel on stdin only (kubectl apply -f -, --config).
# kubeha runs it for control-plane joins; the workers' tokens are made in batches (worker-tokens.sh).
# Parameters: NODE_NAME, TOKEN (secret), TOKEN_TTL_MINUTES, UPLOAD_CERTS_CONFIG (secret; empty for workers).
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
token_id="${TOKEN%%.*}"
token_secret="${TOKEN#*.}"
expiration="$(date -u -d "+${TOKEN_TTL_MINUTES} minutes" +%Y-%m-%dT%H:%M:%SZ)"
kubectl --kubeconfig "$admin" apply -f - >/dev/null <<EOT || die "cannot create the bootstrap token for $NODE_NAME"
apiVersion: v1
kind: Secret
type: bootstrap.kubernetes.io/token
metadata:
  name: bootstrap-token-${token_id}
  namespace: kube-system
stringData:
  description: "kubeha: join of ${NODE_NAME}"
  token-id: "${token_id}"
  token-secret: "${token_secret}"
  expiration: "${expiration}"
  usage-bootstrap-authentication: "true"
  usage-bootstrap-signing: "true"
  auth-extra-groups: "system:bootstrappers:kubeadm:default-node-token"
EOT
log "bootstrap token for $NODE_NAME valid until $expiration"

if [ -n "$UPLOAD_CERTS_CONFIG" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 700 "$work"
  printf '%s\n' "$UPLOAD_CERTS_CONFIG" >"$work/upload-certs.yaml"
  kubeadm init phase upload-certs --upload-certs --config "$work/upload-certs.yaml" --skip-certificate-key-print >/dev/null \
    || die "cannot re-upload the control-plane certificates for $NODE_NAME"
  log "control-plane certificates re-uploaded for $NODE_NAME (valid 2 hours)"
fi
