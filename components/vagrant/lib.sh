#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: what the VM commands share: this stack's machines, and one vagrant command at a time in this project.
# The lock: VirtualBox machines cannot be created in parallel, and
# concurrent runs race on the box download and Vagrant's machine index. flock(1) where it exists (Linux); elsewhere
# (macOS has no flock) an atomic mkdir, taken over when the process that holds it is gone.
# Parameters: NODE, STACK_ID, LOCK_WAIT_SECONDS. Run from vagrant/.
vagrant_lock=.vagrant/kubeha-vagrant.lock

# use_stack_machines: this stack's own Vagrant data directory (VMs of two stacks in one checkout never mix), and
# the directory of its machine definitions, which the Vagrantfile (kubeha_nodes.rb) defines its machines from.
use_stack_machines() {
  export VAGRANT_DOTFILE_PATH="$PWD/.vagrant/stacks/$STACK_ID"
  machines="$VAGRANT_DOTFILE_PATH/kubeha-machines"
  mkdir -p "$machines"
}

# save_machine_definition: NODE's definition, this command's stdin, readable by the user only (it may hold the
# box URL, a secret).
save_machine_definition() {
  (umask 077 && cat >"$machines/$NODE.json.tmp")
  [ -s "$machines/$NODE.json.tmp" ] || { echo "kubeha: no machine definition for $NODE on stdin" >&2; exit 1; }
  mv -f "$machines/$NODE.json.tmp" "$machines/$NODE.json"
}

# with_vagrant_lock COMMAND...: runs COMMAND holding the lock; gives up after LOCK_WAIT_SECONDS.
with_vagrant_lock() {
  mkdir -p .vagrant
  if command -v flock >/dev/null 2>&1; then
    (
      flock -w "$LOCK_WAIT_SECONDS" 9 || vagrant_lock_timeout
      "$@"
    ) 9>"$vagrant_lock"
    return
  fi
  local waited=0 holder rc=0
  until mkdir "$vagrant_lock.d" 2>/dev/null; do
    holder="$(cat "$vagrant_lock.d/pid" 2>/dev/null || true)"
    if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
      echo "kubeha: taking over the vagrant lock of process $holder, which is gone" >&2
      rm -rf "$vagrant_lock.d"
      continue
    fi
    [ "$waited" -lt "$LOCK_WAIT_SECONDS" ] || vagrant_lock_timeout
    sleep 1
    waited=$((waited + 1))
  done
  echo "$$" >"$vagrant_lock.d/pid"
  "$@" || rc=$?
  rm -rf "$vagrant_lock.d"
  return "$rc"
}

vagrant_lock_timeout() {
  echo "kubeha: waited ${LOCK_WAIT_SECONDS}s for another vagrant command in this project; giving up" >&2
  exit 1
}
