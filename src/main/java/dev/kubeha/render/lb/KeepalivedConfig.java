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
 * HAProxy stops serving. Any number of load balancers from two, with distinct priorities falling in list order
 * (see {@link #priority(int, int)}): the first one is the initial holder, and when the holder goes, the highest
 * priority left takes over first.
 */
public final class KeepalivedConfig {
    /** The VRRP priority of the first load balancer, the initial holder. */
    static final int FIRST_PRIORITY = 101;
    /** The second's: a pair's backup, whose takeover times the failover suite measures. */
    static final int SECOND_PRIORITY = 100;
    /** The lowest priority keepalived accepts (keepalived.conf(5): 1-255, 255 meaning "address owner"). */
    static final int LOWEST_PRIORITY = 1;
    /** How often the watcher polls HAProxy, in ms. */
    public static final int WATCH_INTERVAL_MS = 100;
    /** Failed polls in a row (timeouts, error answers) that make HAProxy count as down; a refused connection counts at once. */
    public static final int WATCH_FAILURES = 3;
    /**
     * The watcher's scheduling niceness: ahead of ordinary work on a busy machine, so that a dead HAProxy is seen
     * within a poll or two (its curl inherits it). Not realtime: a poll loop needs no guarantee, only priority.
     */
    public static final int WATCH_NICE = -10;

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
        v.put("priority", Integer.toString(priority(index, config.loadBalancers().size())));
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

    /**
     * The VRRP priority of the load balancer at {@code index} of {@code count}: 101 and 100 for the first two (a
     * pair is what it always was), the others spread evenly from 100 down to 1, as far apart as the range allows.
     *
     * <p>Why apart: when the holder dies, every backup's master-down timer runs from the holder's last advert, 3
     * adverts plus a skew of (256 - priority) / 256 of an advert, and the first to expire takes the VIP and at once
     * sends an advert that makes the others stay BACKUP (keepalived v2.2.7 keepalived/include/vrrp.h
     * VRRP_MS_DOWN_TIMER, VRRP_TIMER_SKEW_CALC, for VRRPv3 in centiseconds x 625 / 16 us; vrrp.c vrrp_state_backup
     * resets the timer on an advert of equal or higher priority; RFC 5798 6.1 Skew_Time). Priorities one apart
     * make the timers differ by 1/256 of an advert, 0.4 ms at 100 ms adverts: less than a busy machine's
     * scheduling delay, so the third could beat the second. Spread over 100..1, the third of three fires 99/256
     * of an advert later (38.7 ms at 100 ms, 0.39 s at 1 s), the third of four 49/256 (19 ms), of ten 12/256
     * (4.7 ms); from 52 load balancers on the step is 1 again. The price: the last in line takes over up to
     * 99/256 of an advert later than the second would.
     */
    static int priority(int index, int count) {
        if (index < 2) {
            return FIRST_PRIORITY - index;
        }
        int step = (SECOND_PRIORITY - LOWEST_PRIORITY) / (count - 2);
        return SECOND_PRIORITY - (index - 1) * step;
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
                "failures", Integer.toString(WATCH_FAILURES),
                "nice", Integer.toString(WATCH_NICE)));
    }
}
