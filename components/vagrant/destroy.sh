#!/usr/bin/env bash
# kubeha: destroy one VM (Pulumi delete), from this command's own stored inputs: the machine definition arrives on
# stdin again. A VM that does not exist (destroyed by hand, or its Vagrant data removed) counts as destroyed.
# Parameters (set above by the renderer): NODE, STACK_ID, LOCK.
set -euo pipefail
cd vagrant
use_stack_machines
save_machine_definition
destroy_vm() {
  if grep -q ",state,not_created" <<<"$(vagrant status "$NODE" --machine-readable)"; then
    echo "kubeha: $NODE does not exist" >&2
  else
    vagrant destroy -f "$NODE" >&2
  fi
}
with_vagrant_lock destroy_vm
rm -f "$machines/$NODE.json" "$VAGRANT_DOTFILE_PATH/$NODE-up.log"
