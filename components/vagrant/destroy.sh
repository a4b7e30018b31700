#!/usr/bin/env bash
# kubeha: destroy one VM (Pulumi delete). Nothing to do when it does not exist.
# Parameters (set above by the renderer): NODE, STACK, LOCK_WAIT_SECONDS.
set -euo pipefail
export KUBEHA_STACK="$STACK"
cd vagrant
destroy_vm() {
  if grep -q ",state,not_created" <<<"$(vagrant status "$NODE" --machine-readable)"; then
    echo "kubeha: $NODE does not exist" >&2
  else
    vagrant destroy -f "$NODE" >&2
  fi
}
with_vagrant_lock destroy_vm
