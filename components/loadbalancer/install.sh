#!/usr/bin/env bash
# shellcheck shell=bash
# kubeha: install HAProxy and Keepalived on a load balancer. Parameters: FIREWALL, API_PORT, STATS_PORT,
# PEER_ADDRESSES (the other load balancers, space-separated). Idempotent; delete is remove.sh.
pkg_install haproxy keepalived curl
mkdir -p "${KUBEHA_ROOT}/usr/local/lib/kubeha"

# HAProxy binds :API_PORT on both load balancers (not the VIP), so no non-local bind sysctl is needed.
if [ "$OS_FAMILY" = rhel ] && command -v getenforce >/dev/null 2>&1 && [ "$(getenforce)" != Disabled ]; then
  # SELinux lets haproxy_t and keepalived_t connect only to their known ports: the API servers listen on API_PORT,
  # and Keepalived's fallback check asks HAProxy on STATS_PORT.
  for boolean in haproxy_connect_any keepalived_connect_any; do
    if [ "$(getsebool "$boolean" 2>/dev/null | awk '{print $3}')" != on ]; then
      setsebool -P "$boolean" 1 || die "cannot set SELinux boolean $boolean"
    fi
  done
fi

if [ "$FIREWALL" = true ]; then
  firewall_open "${API_PORT}/tcp" "${STATS_PORT}/tcp"
  # VRRP (IP protocol 112) from the other load balancers only.
  for peer in $PEER_ADDRESSES; do
    case "$(firewall_kind)" in
      firewalld)
        rule="rule family=ipv4 source address=${peer} protocol value=vrrp accept"
        if ! firewall-cmd --permanent --query-rich-rule="$rule" >/dev/null 2>&1; then
          firewall-cmd --permanent --add-rich-rule="$rule" >/dev/null || die "firewall-cmd cannot allow VRRP from $peer"
          firewall-cmd --reload >/dev/null || die "firewall-cmd --reload failed"
        fi
        ;;
      ufw)
        if ! grep -q "vrrp.*${peer}" <<<"$(ufw status 2>/dev/null)"; then
          ufw allow proto vrrp from "$peer" >/dev/null || die "ufw cannot allow VRRP from $peer \
(ufw before 0.36.2, as on Ubuntu 22.04, knows no 'proto vrrp': accept IP protocol 112 from the peer in /etc/ufw/before.rules)"
        fi
        ;;
    esac
  done
fi
log "haproxy and keepalived installed"
