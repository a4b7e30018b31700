package dev.kubeha.render.lb;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.KeepalivedSettings;
import dev.kubeha.config.Node;
import dev.kubeha.render.Templates;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * keepalived.conf of a load balancer: one VRRP instance, unicast to every other load balancer, the VIP on the
 * interface that carries the host's own address, HAProxy tracked so that the VIP leaves a load balancer whose
 * HAProxy stops serving. Any number of load balancers from two: priorities fall by one in list order from
 * {@link #FIRST_PRIORITY}, so they are distinct and the first one is the initial holder; when the holder goes,
 * the highest priority left takes over first (its master-down timer, 3 x advert_int + (256 - priority) / 256 x
 * advert_int, is the shortest: keepalived 2.2.7 keepalived.conf(5), "priority", "preempt_delay"; RFC 5798 6.1).
 */
public final class KeepalivedConfig {
    /**
     * The VRRP priority of the first load balancer; each next one gets one less, down to 2 for the last of
     * {@link ClusterConfig#MAX_LOAD_BALANCERS} (keepalived's range is 1-254, 255 meaning "address owner").
     */
    static final int FIRST_PRIORITY = ClusterConfig.MAX_LOAD_BALANCERS + 1;
    /** How often the watcher polls HAProxy, in ms. */
    public static final int WATCH_INTERVAL_MS = 100;
    /** Failed polls in a row (timeouts, error answers) that make HAProxy count as down; a refused connection counts at once. */
    public static final int WATCH_FAILURES = 3;

    /** Where things live on the node (the network-namespace lab uses its own per LB). */
    public record Paths(String stateDir, String notifyScript, String trackFile) {
        public static final Paths NODE = new Paths("/run/kubeha", "/usr/libexec/keepalived/kubeha-notify.sh",
                "/run/kubeha/haproxy-down");
    }

    private KeepalivedConfig() {
    }

    /**
     * @param authPassword VRRPv2 auth_pass (ignored with VRRPv3)
     * @param interfaceName the interface carrying {@code self}'s address (configure.sh finds it on the node)
     */
    public static String render(ClusterConfig config, Node self, String authPassword, String interfaceName,
                                Paths paths) {
        KeepalivedSettings k = config.keepalived();
        int index = config.loadBalancers().indexOf(self);
        if (index < 0) {
            throw new IllegalArgumentException(self.name() + " is not one of the stack's load balancers");
        }
        boolean first = index == 0;
        Map<String, String> v = new LinkedHashMap<>();
        v.put("vip", config.vip());
        v.put("routerName", self.name());
        v.put("vrrpVersion", Integer.toString(k.vrrpVersion()));
        v.put("watchIntervalMs", Integer.toString(WATCH_INTERVAL_MS));
        v.put("watchFailures", Integer.toString(WATCH_FAILURES));
        v.put("trackFile", paths.trackFile());
        v.put("checkScript", "/usr/bin/curl -sf -o /dev/null --max-time 0.8 " + HaproxyConfig.livenessUrl(config));
        v.put("instanceName", "kubeha_api");
        v.put("state", first && k.preempt() == dev.kubeha.config.Preemption.ALWAYS ? "MASTER" : "BACKUP");
        v.put("interface", interfaceName);
        v.put("routerId", Integer.toString(k.routerId()));
        v.put("priority", Integer.toString(priority(index)));
        v.put("advertInterval", seconds(k.advertIntervalMs()));
        v.put("preemptBlock", switch (k.preempt()) {
            case DELAY -> "    preempt_delay " + k.preemptDelaySeconds() + "\n";
            case ALWAYS -> "";
            case NEVER -> "    nopreempt\n";
        });
        v.put("selfAddress", self.address());
        v.put("peerAddresses", peers(config, self).stream().map(Node::address)
                .collect(Collectors.joining("\n        ")));
        v.put("authenticationBlock", k.vrrpVersion() == 2
                ? "    authentication {\n        auth_type PASS\n        auth_pass " + authPassword + "\n    }\n" : "");
        v.put("prefixLength", Integer.toString(config.vipPrefixLength()));
        v.put("notifyScript", paths.notifyScript() + " " + paths.stateDir());
        return Templates.render("keepalived/keepalived.conf.tmpl", v);
    }

    /** The VRRP priority of the load balancer at {@code index} in the stack's list. */
    static int priority(int index) {
        return FIRST_PRIORITY - index;
    }

    /** Every load balancer but {@code self}, in list order: its unicast peers. */
    public static List<Node> peers(ClusterConfig config, Node self) {
        return config.loadBalancers().stream().filter(n -> !n.equals(self)).toList();
    }

    /** 100 -> "0.1", 1000 -> "1". */
    static String seconds(int ms) {
        return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString();
    }

    /** The watcher's systemd unit. */
    public static String watchUnit(ClusterConfig config, Paths paths) {
        return Templates.render("keepalived/kubeha-haproxy-watch.service.tmpl", Map.of(
                "stateDir", paths.stateDir(),
                "url", HaproxyConfig.livenessUrl(config),
                "trackFile", paths.trackFile(),
                "intervalMs", Integer.toString(WATCH_INTERVAL_MS),
                "failures", Integer.toString(WATCH_FAILURES)));
    }
}
