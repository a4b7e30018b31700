#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: what the VM commands share: this stack's machines, and the vagrant lock.
# The VMs of one stack boot in the order their commands' dependencies give (BootOrder: VirtualBox one after another,
# libvirt a few at a time after the first); the lock keeps apart what that order cannot: another stack, in this
# checkout or another, of the same user (VirtualBox creates no machines in parallel; the first VM of a libvirt stack
# fetches the box and creates the shared networks). It lives beside Vagrant's own per-user data (VAGRANT_HOME).
# flock(1) where it exists (Linux); elsewhere (macOS has no flock) an atomic mkdir, taken over when the process that
# holds it is gone. No time limit: a stack never waits for itself, only for another stack's command, which it names.
# Parameters: NODE, STACK_ID, LOCK (true: this command holds the lock). Run from vagrant/.
vagrant_lock="${VAGRANT_HOME:-$HOME/.vagrant.d}/kubeha-vagrant.lock"

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

# with_vagrant_lock COMMAND...: runs COMMAND, holding the lock when LOCK is true; waits while another process holds
# it, saying which.
with_vagrant_lock() {
  if [ "$LOCK" != true ]; then
    "$@"
    return
  fi
  mkdir -p "${vagrant_lock%/*}"
  local me="$$ ($NODE of stack $STACK_ID in $PWD)"
  if command -v flock >/dev/null 2>&1; then
    (
      if ! flock -n 9; then
        echo "kubeha: $NODE waits for the vagrant lock, held by process $(cat "$vagrant_lock.holder" 2>/dev/null)" >&2
        flock 9
      fi
      echo "$me" >"$vagrant_lock.holder"
      "$@"
    ) 9>>"$vagrant_lock"
    return
  fi
  local holder said='' unnamed=0 rc=0
  until mkdir "$vagrant_lock.d" 2>/dev/null; do
    holder="$(cat "$vagrant_lock.d/holder" 2>/dev/null || true)"
    # A holder names itself right after taking the lock: one that never did (10 s) or is gone has left it behind.
    if { [ -n "$holder" ] && ! kill -0 "${holder%% *}" 2>/dev/null; } || [ "$unnamed" -ge 10 ]; then
      echo "kubeha: taking over the vagrant lock of process ${holder:-unknown}, which is gone" >&2
      rm -rf "$vagrant_lock.d"
      unnamed=0
      continue
    fi
    if [ -z "$holder" ]; then
      unnamed=$((unnamed + 1))
    elif [ -z "$said" ]; then
      echo "kubeha: $NODE waits for the vagrant lock, held by process $holder" >&2
      said=yes
    fi
    sleep 1
  done
  echo "$me" >"$vagrant_lock.d/holder"
  "$@" || rc=$?
  rm -rf "$vagrant_lock.d"
  return "$rc"
}
