#!/usr/bin/env bash
# kubeha: bring one VM up and print its SSH details (run by Pulumi on your machine, from the project root).
# Parameters (set above by the renderer): NODE, STACK_ID, PROVIDER, QUIET, LOCK; stdin: the machine
# definition (JSON) the Vagrantfile defines NODE from. The lock: vagrant/lib.sh, above.
set -euo pipefail
cd vagrant
use_stack_machines
save_machine_definition

if [ "$QUIET" = true ]; then
  # vagrant names the box URL it downloads, and the URL may carry credentials: its output stays in a file.
  output="$VAGRANT_DOTFILE_PATH/$NODE-up.log"
  (umask 077 && : >"$output")
  with_vagrant_lock vagrant up "$NODE" --provider "$PROVIDER" >"$output" 2>&1 \
    || { echo "kubeha: vagrant up $NODE failed; its output is in vagrant/${output#"$PWD"/} (not shown: it may name vagrantBoxUrl)" >&2; exit 1; }
else
  with_vagrant_lock vagrant up "$NODE" --provider "$PROVIDER" >&2
fi

ssh_config="$(vagrant ssh-config "$NODE")"
field() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' <<<"$ssh_config"; }
identity="$(field IdentityFile)"
identity="${identity#\"}"
identity="${identity%\"}"
[ -r "$identity" ] || { echo "kubeha: cannot read $NODE's SSH key '$identity' (vagrant ssh-config $NODE)" >&2; exit 1; }
echo "KUBEHA_SSH_HOST=$(field HostName)"
echo "KUBEHA_SSH_PORT=$(field Port)"
echo "KUBEHA_SSH_USER=$(field User)"
echo "KUBEHA_SSH_KEY_BEGIN"
cat "$identity"
echo "KUBEHA_SSH_KEY_END"
