#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: etcd's membership as one member sees it: the functions the membership checks (etcd/membership.sh, for
# control-plane nodes and for etcd nodes) and a node's removal (node-object.sh) share. They call etcdctl_local ARGS,
# which the library read before this one defines: etcd/members-api.sh on a control-plane node (etcdctl in its etcd
# pod, through the API), etcd/members-etcd-node.sh on an etcd node (etcdctl of its etcd image, against the first
# member that answers). kubeadm names a member after its node and gives it the peer URL https://ADDRESS:2380; a member added by a
# join whose etcd never started has no name yet, only that URL (kubernetes/kubernetes cmd/kubeadm/app/util/etcd/
# etcd.go GetPeerURL; cmd/kubeadm/app/phases/etcd/local.go RemoveStackedEtcdMemberFromCluster finds its own member
# by that URL and removes it by ID, as etcd_member_ids and `member remove` do here).
# etcd_members: one "ID NAME PEER_URL CLIENT_URL" line per member ("-" for a name or URL it has not got yet), from
# `etcdctl member list -w simple` ("ID, STATUS, NAME, PEER URLS, CLIENT URLS, LEARNER").
etcd_members() {
  local list
  list="$(etcdctl_local member list -w simple)" || die "cannot list the etcd members (etcdctl member list)"
  awk -F', ' 'NF >= 5 { print $1, ($3 == "" ? "-" : $3), ($4 == "" ? "-" : $4), ($5 == "" ? "-" : $5) }' <<<"$list"
}
# etcd_healthy_clients: the client URLs of the members that answer. `endpoint health --cluster -w simple` prints
# "URL is healthy: ..." or "URL is unhealthy: ..." per member, on stderr (seen with Debian's etcdctl 3.4 and 3.5, in
# ControlPlaneRotationTest), and fails when any is unhealthy: both streams are read, and the failure is expected.
etcd_healthy_clients() {
  { etcdctl_local endpoint health --cluster -w simple 2>&1 || true; } | awk '/ is healthy/ { print $1 }'
}
# etcd_member_ids NAME ADDRESS: the IDs of that node's member, by name or by peer URL.
etcd_member_ids() {
  local members
  members="$(etcd_members)" || exit 1
  awk -v name="$1" -v peer="https://${2}:2380" '$2 == name || $3 == peer { print $1 }' <<<"$members"
}
# etcd_quorum N: the members a cluster of N needs to agree (more than half).
etcd_quorum() { echo $(($1 / 2 + 1)); }
# etcd_removal_keeps_quorum NAME [PLANNED]: dies, changing nothing, when removing NAME's member would leave etcd without
# quorum (the members that answer, NAME's own not counted, against the quorum of the members that would remain), or
# when etcd has fewer members than the PLANNED ones this removal was rendered with: another member left meanwhile,
# in this run or since. The membership check refused a change that removes two at once, but a refused check does not
# stop every removal: with `pulumi up --continue-on-error` the engine cancels nothing on a failed step
# (pulumi/pulumi pkg/resource/deploy/step_executor.go, cancelDueToError) and still runs the deletes of resources that
# do not depend on it (deployment_executor.go, performPostSteps). Members may also have died since the check.
etcd_removal_keeps_quorum() {
  local members healthy total up own
  members="$(etcd_members)" || exit 1
  healthy="$(etcd_healthy_clients)"
  total="$(awk 'NF { n++ } END { print n + 0 }' <<<"$members")"
  up="$(awk 'NF { n++ } END { print n + 0 }' <<<"$healthy")"
  own="$(awk -v name="$1" '$2 == name { print $4 }' <<<"$members")"
  [ -z "$2" ] || [ "$total" -ge "$2" ] || die "etcd has $total members, fewer than the $2 this removal of $1 was planned with: another \
member left since (in this run, a pulumi up --continue-on-error past a refused membership check?); $1 stays a member. \
Run pulumi up without --continue-on-error; if the removal is still refused, list $1 again for one pulumi up, then remove it"
  if [ -n "$own" ] && grep -qxF "$own" <<<"$healthy"; then up=$((up - 1)); fi
  [ "$up" -ge "$(etcd_quorum $((total - 1)))" ] \
    || die "removing $1 would leave etcd without quorum ($up of $((total - 1)) remaining members answer); nothing was changed"
}
# etcd_hand_over_leadership LEAVING STAYING: before the member at client URL LEAVING is removed, when it leads etcd,
# moves the leadership to the member at client URL STAYING. Removing the leader makes the others wait out their
# election timeout (1 s by default) and elect another, and a write that reached etcd meanwhile fails ("etcdserver:
# request timed out, possibly due to previous leader failure", measured in ControlPlaneRotationTest); a transfer
# shortens that window but does not close it: the leader drops proposals while it hands over (etcd-io/etcd
# raft/raft.go stepLeader, ErrProposalDropped), and a write forwarded to it then times out. `etcdctl move-leader ID`
# (the ID in hex) must be sent to the leader itself: it asks each endpoint it is given for its status and refuses with
# "no leader endpoint given" when none leads (etcdctl/ctlv3/command/move_leader_command.go, v3.4 to v3.6), which says
# "not the leader" without parsing a status table whose columns differ between etcd versions. The staying member's
# ID is the second field of `endpoint status -w simple` in every version (etcdctl/ctlv3/command/printer.go
# makeEndpointStatusTable). Nothing here stops the removal: a leaving member that does not answer is not moved (the
# others elect a leader without it, as they would anyway).
etcd_hand_over_leadership() {
  local status staying_id out
  status="$(etcdctl_at "$2" endpoint status -w simple 2>&1)" || status=""
  staying_id="$(awk -F', ' 'NF >= 5 && $2 ~ /^[0-9a-f]+$/ { print $2; exit }' <<<"$status")"
  if [ -z "$staying_id" ]; then
    log "cannot read the ID of the etcd member at $2 (${status##*$'\n'}): the leadership stays where it is"
  elif out="$(etcdctl_at "$1" move-leader "$staying_id" 2>&1)"; then
    log "moved etcd's leadership from $1 to $2 before its removal"
  elif grep -q "no leader endpoint given" <<<"$out"; then
    log "the member at $1 does not lead etcd: no leadership to hand over"
  else
    log "could not move etcd's leadership from $1 to $2 (${out##*$'\n'}): the others elect a leader once it is removed"
  fi
}
# etcd_member_removed ID: removes the member, or finds it gone (a removal whose answer was lost). For wait_until: a
# leader just elected refuses a membership change until it has applied an entry of its own term ("possible unapplied
# conf change", etcd-io/etcd raft/raft.go becomeLeader, pendingConfIndex), and kubeadm retries its own removal too
# (kubernetes/kubernetes cmd/kubeadm/app/util/etcd/etcd.go RemoveMember, etcdBackoff).
etcd_member_removed() {
  local list
  etcdctl_local member remove "$1" >&2 && return 0
  list="$(etcdctl_local member list -w simple)" || return 1
  ! awk -F', ' -v id="$1" '$1 == id { found = 1 } END { exit !found }' <<<"$list"
}
