#!/usr/bin/env bash
# kubeha: bring one VM up and print its SSH details (run by Pulumi on your machine, from the project root).
# Parameters (set above by the renderer): NODE, PROVIDER, STACK, LOCK_WAIT_SECONDS.
# `vagrant up` runs one at a time (vagrant/lock.sh, above).
set -euo pipefail
export KUBEHA_STACK="$STACK"
cd vagrant
with_vagrant_lock vagrant up "$NODE" --provider "$PROVIDER" >&2

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
