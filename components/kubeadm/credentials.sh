#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on a live control-plane node, right before a node joins: make sure the join's own bootstrap token
# exists and is valid for TOKEN_TTL_MINUTES more minutes, and (control-plane joins) re-upload the certificates
# encrypted with the known certificate key. Joins therefore work days or weeks after kubeadm init (the uploaded
# certificates live 2 hours, bootstrap tokens 24). Secrets travel on stdin only (kubectl apply -f -, --config).
# Parameters: NODE_NAME, TOKEN (secret), TOKEN_TTL_MINUTES, UPLOAD_CERTS_CONFIG (secret; empty for workers). Uses
# kubeadm/bootstrap-token.sh. kubeha runs it for control-plane joins; the workers' tokens come in batches (worker-tokens.sh).
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
expiration="$(date -u -d "+${TOKEN_TTL_MINUTES} minutes" +%Y-%m-%dT%H:%M:%SZ)"
apply_bootstrap_tokens "$admin" "$(bootstrap_token "$NODE_NAME" "$TOKEN" "$expiration")" "the bootstrap token for $NODE_NAME"
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
