#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: one vagrant command at a time in this project: VirtualBox machines cannot be created in parallel, and
# concurrent runs race on the box download and Vagrant's machine index. flock(1) where it exists (Linux); elsewhere
# (macOS has no flock) an atomic mkdir, taken over when the process that holds it is gone.
# Parameters: LOCK_WAIT_SECONDS. Run from vagrant/.
vagrant_lock=.vagrant/kubeha-vagrant.lock

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
