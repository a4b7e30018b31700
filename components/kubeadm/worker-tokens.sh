#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: on the workers' acting member, before their joins: the bootstrap tokens of one batch of workers, in one
# session (workers-N-tokens), so that 500 workers cost a few sessions on that node instead of 500. Each worker keeps
# its own token, valid for TOKEN_TTL_MINUTES from this run. A worker whose Node object exists has joined already and
# gets no token: a run after a worker was added, removed or rebuilt, or on another acting member, creates only the
# tokens of the joins still to come and gives a used token no new life. Secrets travel on stdin only (the manifest
# goes to kubectl apply -f - as a here-string, apply_bootstrap_tokens).
# Parameters: JOINS (secret): one line per worker, "NODE_NAME TOKEN MEMBERSHIP" (MEMBERSHIP: the id of the worker's
# <node>-credentials step, new whenever that step is rebuilt, which runs this step again); TOKEN_TTL_MINUTES.
# Uses kubeadm/bootstrap-token.sh.
admin="${KUBEHA_ROOT}/etc/kubernetes/admin.conf"
expiration="$(date -u -d "+${TOKEN_TTL_MINUTES} minutes" +%Y-%m-%dT%H:%M:%SZ)"
registered="$(kubectl --kubeconfig "$admin" --request-timeout=30s get nodes -o name)" \
  || die "cannot list the nodes, to find the workers that still need a bootstrap token"

manifest=""
waiting=()
joined=()
while read -r node token membership; do
  [ -n "$node" ] || continue
  if grep -qxF "node/$node" <<<"$registered"; then
    joined+=("$node")
    continue
  fi
  manifest+="$(bootstrap_token "$node" "$token" "$expiration" "$membership")"$'\n'
  waiting+=("$node")
done <<<"$JOINS"

[ "${#joined[@]}" -eq 0 ] || log "registered already, no token: ${joined[*]}"
if [ "${#waiting[@]}" -eq 0 ]; then
  log "no worker of this batch waits for its join"
  exit 0
fi
apply_bootstrap_tokens "$admin" "$manifest" "the bootstrap tokens of ${waiting[*]}"
log "bootstrap tokens of ${waiting[*]} valid until $expiration"
