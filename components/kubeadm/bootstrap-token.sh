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

# apply_bootstrap_tokens KUBECONFIG MANIFEST WHAT: applies the Secrets of MANIFEST server-side (kubectl then keeps no copy of them
# in a last-applied-configuration annotation, and prints no patch when it fails, as client-side apply does:
# kubernetes/kubectl pkg/cmd/apply/apply.go). pulumi-command returns a failed command's whole output in its error
# (pulumi/pulumi-command v1.2.1 provider/pkg/provider/remote/commandOutputs.go), so kubectl's message is shown with
# every token secret of MANIFEST masked.
apply_bootstrap_tokens() {
  local error secret
  if error="$(kubectl --kubeconfig "$1" --request-timeout=60s apply --server-side --field-manager=kubeha \
    --force-conflicts -f - 2>&1 >/dev/null <<<"$2")"; then
    return 0
  fi
  while read -r secret; do
    [ -z "$secret" ] || error="${error//"$secret"/"<token secret>"}"
  done < <(sed -n 's/^  token-secret: "\(.*\)"$/\1/p' <<<"$2")
  die "cannot create $3: $error"
}
