#!/usr/bin/env bash
# kubeha: destroy one VM (Pulumi delete). Nothing to do when it does not exist.
# Parameters (set above by the renderer): NODE, STACK, LOCK_WAIT_SECONDS.
set -euo pipefail
export KUBEHA_STACK="$STACK"
cd vagrant
mkdir -p .vagrant
(
  flock -w "$LOCK_WAIT_SECONDS" 9 || { echo "kubeha: waited ${LOCK_WAIT_SECONDS}s for another vagrant command; giving up" >&2; exit 1; }
  if grep -q ",state,not_created" <<<"$(vagrant status "$NODE" --machine-readable)"; then
    echo "kubeha: $NODE does not exist" >&2
  else
    vagrant destroy -f "$NODE" >&2
  fi
) 9>.vagrant/kubeha-vagrant.lock
