#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: shared by credentials.sh and worker-tokens.sh, the scripts that make a join's bootstrap token.
# bootstrap_token NODE_NAME TOKEN EXPIRATION [NOTE]: prints the token's Secret, stored as kubeadm stores its own
# (kubernetes/cluster-bootstrap token/api/types.go: bootstrap-token-<id> in kube-system, type
# bootstrap.kubernetes.io/token, usable for the TLS bootstrap of kubeadm's default node group), for kubectl apply -f -:
# it carries the token's secret, so it goes to kubectl's stdin only, never into an argument or the log.
bootstrap_token() {
  cat <<EOT
---
apiVersion: v1
kind: Secret
type: bootstrap.kubernetes.io/token
metadata:
  name: bootstrap-token-${2%%.*}
  namespace: kube-system
stringData:
  description: "kubeha: join of $1${4:+ ($4)}"
  token-id: "${2%%.*}"
  token-secret: "${2#*.}"
  expiration: "$3"
  usage-bootstrap-authentication: "true"
  usage-bootstrap-signing: "true"
  auth-extra-groups: "system:bootstrappers:kubeadm:default-node-token"
EOT
}
