#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: control-plane nodes take workloads exactly when the stack has no workers: kubeadm's
# node-role.kubernetes.io/control-plane:NoSchedule taint is taken off then, and put back once workers exist (it
# keeps new pods away and evicts nothing). kubeadm registers them so when they join (nodeRegistration.taints); this
# step keeps it true when the workers come and go. Run on the first control-plane node.
# Parameters: CONTROL_PLANE_NODES (space-separated names), SCHEDULABLE (true|false).
KUBECTL=(kubectl --kubeconfig "${KUBEHA_ROOT}/etc/kubernetes/admin.conf" --request-timeout=10s)
taint="node-role.kubernetes.io/control-plane"
for node in $CONTROL_PLANE_NODES; do
  # KEY:EFFECT pairs: a taint is its key and its effect (the same key may carry another effect, set by someone else).
  taints="$("${KUBECTL[@]}" get node "$node" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect}{" "}{end}')" \
    || die "cannot read the Node $node"
  case " $taints " in *" $taint:NoSchedule "*) tainted=true ;; *) tainted=false ;; esac
  if [ "$SCHEDULABLE" = true ] && [ "$tainted" = true ]; then
    "${KUBECTL[@]}" taint node "$node" "${taint}:NoSchedule-" >&2 || die "cannot take the $taint taint off $node"
    log "$node takes workloads (the stack has no workers)"
  elif [ "$SCHEDULABLE" = false ] && [ "$tainted" = false ]; then
    "${KUBECTL[@]}" taint node "$node" "${taint}=:NoSchedule" >&2 || die "cannot put the $taint taint on $node"
    log "$node takes no workloads (the stack has workers)"
  fi
done
