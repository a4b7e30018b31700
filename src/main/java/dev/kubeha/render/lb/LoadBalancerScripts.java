package dev.kubeha.render.lb;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.Templates;

import java.util.Map;
import java.util.stream.Collectors;

/** The scripts that make a host a load balancer: install, configure, remove. */
public final class LoadBalancerScripts {
    /** Stands for the VIP interface in the keepalived.conf that configure.sh receives; it fills in the real one. */
    public static final String INTERFACE_TOKEN = "KUBEHA_INTERFACE";

    private LoadBalancerScripts() {
    }

    public static String install(ClusterConfig config, Node self) {
        return NodeScript.render("loadbalancer/install.sh", Map.of(
                "FIREWALL", Boolean.toString(config.firewall()),
                "API_PORT", Integer.toString(config.apiPort()),
                "STATS_PORT", Integer.toString(config.haproxy().statsPort()),
                "PEER_ADDRESSES", KeepalivedConfig.peers(config, self).stream().map(Node::address)
                        .collect(Collectors.joining(" "))));
    }

    /** Carries the stats password (and VRRPv2 auth_pass): send it only on stdin, as a secret. */
    public static String configure(ClusterConfig config, Node self, String statsPassword, String vrrpPassword) {
        KeepalivedConfig.Paths paths = KeepalivedConfig.Paths.NODE;
        return NodeScript.render("loadbalancer/configure.sh", Map.of(
                "SELF_ADDRESS", self.address(),
                "HAPROXY_CFG", HaproxyConfig.render(config, statsPassword),
                "KEEPALIVED_CONF", KeepalivedConfig.render(config, self, vrrpPassword, INTERFACE_TOKEN, paths),
                "INTERFACE_TOKEN", INTERFACE_TOKEN,
                "NOTIFY_SH", Templates.load("keepalived/notify.sh"),
                "NOTIFY_PATH", paths.notifyScript(),
                "STATE_DIR", paths.stateDir(),
                "WATCH_SH", Templates.load("keepalived/haproxy-watch.sh"),
                "WATCH_UNIT", KeepalivedConfig.watchUnit(config, paths)));
    }

    /** The functions that drain a control-plane node's API server on every load balancer and make it ready again. */
    public static final String BACKEND_LIBRARY = "loadbalancer/backend.sh";

    /** What {@link #BACKEND_LIBRARY} needs: every load balancer's address and the stats port. */
    public static Map<String, String> backendParameters(ClusterConfig config) {
        return Map.of("LB_ADDRESSES", config.loadBalancers().stream().map(Node::address).collect(Collectors.joining(" ")),
                "LB_STATS_PORT", Integer.toString(config.haproxy().statsPort()));
    }

    /**
     * On a control-plane node: the stats credentials as a root-only curl config, for {@link #BACKEND_LIBRARY}.
     * Carries the stats password: send it only on stdin, as a secret.
     */
    public static String access(ClusterConfig config, String statsPassword) {
        return NodeScript.render("loadbalancer/access.sh", Map.of("CURL_CONFIG", curlConfig(config, statsPassword)));
    }

    /** The curl config file that access.sh writes: the stats credentials (a secret). */
    public static String curlConfig(ClusterConfig config, String statsPassword) {
        return "# kubeha: the load balancers' stats credentials (loadbalancer/backend.sh)\nuser = \""
                + curlQuoted(config.haproxy().statsUser() + ":" + statsPassword) + "\"";
    }

    /** Delete of the access step: removes the credentials. Carries no secrets. */
    public static String accessRemove() {
        return NodeScript.render("loadbalancer/access-remove.sh", Map.of());
    }

    /** A string in a curl config file's double quotes: backslash and double quote escaped (curl's config syntax). */
    static String curlQuoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    public static String remove(ClusterConfig config, Node self) {
        return NodeScript.render("loadbalancer/remove.sh", Map.of("NOTIFY_PATH", KeepalivedConfig.Paths.NODE.notifyScript(),
                "STATE_DIR", KeepalivedConfig.Paths.NODE.stateDir()));
    }
}
