#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: take a control-plane node's API server out of every load balancer's rotation before it stops, and put it
# back once it is ready again. Included by the scripts that stop an API server (kubeadm/upgrade.sh, kubeadm/reset.sh;
# a certificate renewal calls the same two functions around its restart).
#
# How the request gets to the load balancers: through HAProxy's stats page in admin mode, on each LB's own address
# and stats port, behind the stats credentials (haproxy/haproxy.cfg.tmpl: "stats admin if { http_auth(...) }";
# haproxy 2.6 configuration.txt "stats admin"). The page takes a POST of b=<backend>&s=<server>&action=drain|ready,
# the same state change as the runtime API's "set server <backend>/<server> state drain|ready" (management.txt;
# haproxy src/stats.c, stats_process_http_post), and answers with a redirect whose location ends in ";st=DONE"
# when every named server was changed. "drain" takes the server out of load balancing but keeps its established
# connections and its health checks; "ready" puts it back (it serves again once its checks pass).
#
# The credentials are in lb_admin_curlrc, a root-only curl config written by the node's <node>-lb-access step (a
# secret step): curl reads it with -K, so the password is on no command line, in no environment and in no log.
# Parameters: LB_ADDRESSES (every load balancer, space-separated), LB_STATS_PORT.
lb_admin_curlrc="${KUBEHA_ROOT}/etc/kubeha/lb-admin.curlrc"
lb_api_backend=kube-apiservers

# lb_backend_state SERVER STATE: set SERVER (a node name) to STATE (drain or ready) on every load balancer.
# A load balancer that does not answer is passed over with a message: it is down, so it serves nobody, and when
# it starts again its HAProxy starts with every server ready. One that answers anything but "done" (wrong
# credentials, unknown server) fails the call, after the others were asked.
lb_backend_state() {
  local server="$1" state="$2" lb answer failed=0
  if [ ! -r "$lb_admin_curlrc" ]; then
    log "no load-balancer credentials on this node ($lb_admin_curlrc): $server is not set to $state on the load balancers"
    return 0
  fi
  for lb in $LB_ADDRESSES; do
    if ! answer="$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 -K "$lb_admin_curlrc" \
      --data "b=${lb_api_backend}&s=${server}&action=${state}" "http://${lb}:${LB_STATS_PORT}/stats" 2>&1)"; then
      log "load balancer $lb does not answer (${answer}): $server is not set to $state there"
      continue
    fi
    case "$answer" in
      "303 "*";st=DONE"*) log "$server: $state on load balancer $lb" ;;
      *)
        log "load balancer $lb did not set $server to $state (answer: $answer)"
        failed=1
        ;;
    esac
  done
  return "$failed"
}

# lb_backend_drain SERVER: no new connections to SERVER's API server through any load balancer.
lb_backend_drain() { lb_backend_state "$1" drain; }

# lb_backend_ready SERVER: SERVER's API server back in every load balancer's rotation, and waits (60 s at most)
# until each load balancer that answered counts it UP again (rise passed checks), so that the next node is taken
# out only once this one takes connections again.
lb_backend_ready() {
  local lb tries
  lb_backend_state "$1" ready || return 1
  [ -r "$lb_admin_curlrc" ] || return 0
  for lb in $LB_ADDRESSES; do
    lb_reachable "$lb" || continue
    for tries in $(seq 1 120); do
      if lb_backend_up "$lb" "$1"; then
        break
      fi
      if [ "$tries" -eq 120 ]; then
        log "load balancer $lb does not count $1 UP 60 s after it was made ready"
        return 1
      fi
      sleep 0.5
    done
  done
}

# lb_backend_ready_if_serving SERVER ADDRESS PORT: for a step that drained SERVER and then failed. Its API server
# goes back into rotation if it answers /readyz (it serves, whatever failed after the drain); one that does not
# stays drained, and the next run of the step puts it back once it is ready. Either way the step still fails.
lb_backend_ready_if_serving() {
  if api_server_ready "$2" "$3"; then
    if lb_backend_ready "$1"; then
      log "$1's API server answers /readyz: back on the load balancers although this step failed"
    else
      log "$1's API server answers /readyz but the load balancers did not take it back: it stays drained there"
    fi
  else
    log "$1's API server does not answer /readyz: it stays drained on the load balancers until a run of kubeha finds it ready"
  fi
}

# lb_reachable LB: the load balancer's stats page answers (with any status).
lb_reachable() { curl -s -o /dev/null --max-time 5 "http://$1:${LB_STATS_PORT}/livez"; }

# lb_backend_up LB SERVER: LB's HAProxy counts SERVER UP (its stats CSV: column 1 backend, 2 server, 18 status).
lb_backend_up() {
  local csv
  csv="$(curl -sS --max-time 5 -K "$lb_admin_curlrc" "http://$1:${LB_STATS_PORT}/stats;csv" 2>/dev/null)" || return 1
  awk -F, -v backend="$lb_api_backend" -v server="$2" '$1 == backend && $2 == server { up = ($18 == "UP") }
    END { exit !up }' <<<"$csv"
}
