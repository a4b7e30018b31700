#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: the etcd membership check, before any node that holds an etcd member joins or leaves: control-plane-members
# (stacked etcd, on the acting member, when controlPlaneNodes changes) and etcd-members (external etcd, on the first
# etcd node, when etcdNodes changes). It compares the stack's nodes (MEMBERS) with the etcd members that exist now,
# read from etcd itself (the state of the last run is not readable from the program), and refuses, before anything
# joins or leaves, a change that would take more than one member away in one run, leave etcd without a quorum at any
# point (new nodes join first, then the one that left is removed: Pulumi deletes what left the program last,
# pulumi/pulumi pkg/resource/deploy/deployment_executor.go, Execute then performPostSteps), or add a member while one
# does not answer (etcd would refuse it). A refusal cancels the run, deletes included (step_executor.go,
# cancelDueToError), except under `pulumi up --continue-on-error`: then nothing is cancelled and the deletes of the
# resources that do not depend on this check still run (performPostSteps), so each removal checks again
# (etcd_removal_keeps_quorum refuses when a member left before it); the README says not to use that flag here.
# Changes nothing. Parameters: MEMBERS (NAME=ADDRESS of every node that should hold a member), FIELD (the config key
# that lists them), RESTORING (yes when etcdRestoreFrom is set), DEAD_MEMBER_ADVICE (what to do when a member is dead
# and one is added), and etcdctl_local's.
# With etcdRestoreFrom set (RESTORING=yes) the run restores etcd: a lost quorum is what it repairs, so it is logged and
# let through, while any node joining or leaving in that run is refused (the restore gives every member the nodes of
# the config; membership changes come in a pulumi up of their own, once the cluster is back).
restoring_unchanged() {
  log "etcd $1: kubeha:etcdRestoreFrom restores it in this run"
  exit 0
}
if ! listed="$(etcd_members)"; then
  # Stacked etcd is read through the API server, which is down without quorum: no join or removal can succeed then
  # either (a join needs the API, a removal reads the members again and stops, etcd_removal_keeps_quorum).
  [ "$RESTORING" != yes ] || restoring_unchanged "members cannot be read"
  exit 1
fi
healthy="$(etcd_healthy_clients)"
declare -A staying=()
joining=0
for entry in $MEMBERS; do
  name="${entry%%=*}" address="${entry#*=}"
  id="$(awk -v name="$name" -v peer="https://${address}:2380" '$2 == name || $3 == peer { print $1; exit }' <<<"$listed")"
  if [ -n "$id" ]; then staying[$id]=1; else joining=$((joining + 1)); fi
done
total=0 up=0 leaving="" leaving_count=0 leaving_up=0
while read -r id name _peer client; do
  [ -n "$id" ] || continue
  total=$((total + 1))
  answers=0
  if [ "$client" != "-" ] && grep -qxF "$client" <<<"$healthy"; then answers=1; up=$((up + 1)); fi
  if [ -z "${staying[$id]:-}" ]; then
    leaving="${leaving:+$leaving }$name"
    leaving_count=$((leaving_count + 1))
    leaving_up=$((leaving_up + answers))
  fi
done <<<"$listed"
log "etcd has $total member(s), $up answering; joining: $joining; leaving: ${leaving:-none}"
if [ "$RESTORING" = yes ]; then
  [ $((joining + leaving_count)) -eq 0 ] || die "$FIELD adds $joining and removes $leaving_count etcd \
member(s) while kubeha:etcdRestoreFrom restores etcd: restore with the nodes etcd has, remove etcdRestoreFrom once the \
cluster is back, then change $FIELD"
  [ "$up" -ge "$(etcd_quorum "$total")" ] || restoring_unchanged "has no quorum ($up of $total members answer)"
fi
[ "$up" -ge "$(etcd_quorum "$total")" ] \
  || die "etcd has no quorum ($up of $total members answer): no node of $FIELD can join or leave; bring members back, or restore (kubeha:etcdRestoreFrom)"
[ "$leaving_count" -le 1 ] \
  || die "$FIELD removes $leaving_count etcd members at once ($leaving): remove or replace one node per pulumi up"
# Joins come first: control-plane nodes one at a time (their joins are chained); the etcd nodes' member steps are not
# chained, but etcd's strict reconfiguration check adds a voting member only while the started members keep a quorum
# with it and every member is connected (server.go mayAddMember: IsReadyToAddVotingMember), so a second add waits,
# refused and retried by member.sh for 60 s, until the first new member is connected. While a member is not
# connected, etcd refuses with "etcdserver: unhealthy cluster" (etcd-io/etcd server/etcdserver/server.go,
# mayAddMember: isConnectedFullySince; seen with Debian's etcd 3.4 in ControlPlaneRotationTest): a dead member must
# leave first.
if [ "$joining" -gt 0 ] && [ "$up" -lt "$total" ]; then
  die "$FIELD adds $joining node(s) while $((total - up)) of $total etcd members do not answer; etcd refuses new members then. $DEAD_MEMBER_ADVICE"
fi
size=$((total + joining))
up=$((up + joining))
if [ "$leaving_count" -eq 1 ]; then
  size=$((size - 1)) up=$((up - leaving_up))
  [ "$size" -ge 1 ] || die "$FIELD removes the last etcd member ($leaving)"
  [ "$up" -ge "$(etcd_quorum "$size")" ] \
    || die "$FIELD removes $leaving, which would leave etcd without quorum ($up of $size remaining members answer)"
fi
log "the change of $FIELD keeps etcd's quorum throughout"
