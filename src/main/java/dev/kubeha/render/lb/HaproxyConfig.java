package dev.kubeha.render.lb;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.HaproxySettings;
import dev.kubeha.render.Templates;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * haproxy.cfg of a load balancer: TCP round robin over every API server, /readyz checks, HAProxy's own liveness
 * (/livez) and readiness (/healthz) answers, stats, metrics and the stats page's admin level (drain, ready)
 * behind the stats credentials.
 */
public final class HaproxyConfig {
    private HaproxyConfig() {
    }

    /** HAProxy's admin socket on the node. */
    public static final String STATS_SOCKET = "/var/lib/haproxy/admin.sock";

    public static String render(ClusterConfig config, String statsPassword) {
        return render(config, statsPassword, STATS_SOCKET);
    }

    /** With another admin socket path (several HAProxy instances on one machine, as in the failover lab). */
    public static String render(ClusterConfig config, String statsPassword, String statsSocket) {
        HaproxySettings h = config.haproxy();
        String servers = config.controlPlane().stream()
                .map(n -> "    server " + n.name() + " " + n.address() + ":" + config.apiPort())
                .collect(Collectors.joining("\n"));
        return Templates.render("haproxy/haproxy.cfg.tmpl", Map.ofEntries(
                Map.entry("retries", Integer.toString(h.retries())),
                Map.entry("connectTimeoutMs", Integer.toString(h.connectTimeoutMs())),
                Map.entry("checkTimeoutMs", Integer.toString(Math.min(h.connectTimeoutMs() * 2, h.checkIntervalMs()))),
                Map.entry("apiPort", Integer.toString(config.apiPort())),
                Map.entry("checkIntervalMs", Integer.toString(h.checkIntervalMs())),
                Map.entry("checkFall", Integer.toString(h.checkFall())),
                Map.entry("checkRise", Integer.toString(h.checkRise())),
                Map.entry("servers", servers),
                Map.entry("statsPort", Integer.toString(h.statsPort())),
                Map.entry("statsUser", h.statsUser()),
                Map.entry("statsPassword", statsPassword),
                Map.entry("statsSocket", statsSocket)));
    }

    /**
     * The URL Keepalived's checks poll, over loopback: 200 while HAProxy serves, whether or not an API server is
     * up (before kubeadm init none is, and kubeadm init needs the VIP).
     */
    public static String livenessUrl(ClusterConfig config) {
        return "http://127.0.0.1:" + config.haproxy().statsPort() + "/livez";
    }

    /**
     * Seconds from an API server failing /readyz until every load balancer stopped sending it connections, at the
     * most: {@code fall} failed checks, the first up to one interval after it began failing.
     */
    public static double detectionSeconds(ClusterConfig config) {
        return config.haproxy().checkIntervalMs() * (config.haproxy().checkFall() + 1) / 1000.0;
    }

}
