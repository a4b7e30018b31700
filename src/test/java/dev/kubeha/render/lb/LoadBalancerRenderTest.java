package dev.kubeha.render.lb;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Rendered HAProxy/Keepalived configs: golden files, and the real tools accept every variant. */
class LoadBalancerRenderTest {
    static final String PASSWORD = "s3cretStatsPassw0rd";

    static ClusterConfig vagrant() {
        return Stacks.vagrant();
    }

    @Test
    void haproxyConfigOnTheVagrantStack() {
        String cfg = HaproxyConfig.render(vagrant(), PASSWORD);
        Golden.assertMatches("LoadBalancerRenderTest", "haproxy.cfg", cfg);
        for (String server : new String[]{"server k8s-master1 192.168.56.10:6443", "server k8s-master2 192.168.56.11:6443",
                "server k8s-master3 192.168.56.12:6443"}) {
            assertTrue(cfg.contains(server), server);
        }
        assertTrue(cfg.contains("balance roundrobin"));
        assertTrue(cfg.contains("option redispatch"));
        assertTrue(cfg.contains("check check-ssl verify none"));
        assertTrue(cfg.contains("http-check send meth GET uri /readyz ver"), "checks /readyz, which a stopping API server fails first");
        assertTrue(cfg.contains("stats admin if { http_auth(kubeha_stats) }"), "drain/ready only with the stats credentials");
        assertTrue(cfg.contains("use-service prometheus-exporter if { path /metrics }"));
        assertTrue(cfg.indexOf("http-request auth realm kubeha unless { http_auth(kubeha_stats) }")
                < cfg.indexOf("use-service prometheus-exporter"), "/metrics asks for the credentials first");
        assertTrue(cfg.contains("user admin insecure-password " + PASSWORD));
        assertFalse(cfg.contains("admin:admin"));
        assertTrue(cfg.contains("monitor fail if { nbsrv(kube-apiservers) lt 1 }"), "/healthz: 503 with no API server");
        assertTrue(cfg.contains("string ok if { path /livez }"), "/livez: HAProxy serves");
        assertTrue(cfg.contains("chroot /var/lib/haproxy\n    user haproxy\n    group haproxy"), "as the distributions run it");
        assertTrue(cfg.contains("timeout tunnel 24h"), "watch/exec streams are not cut");
    }

    @Test
    void keepalivedConfigsOnTheVagrantStack() {
        ClusterConfig c = vagrant();
        Node lb1 = c.loadBalancers().get(0);
        Node lb2 = c.loadBalancers().get(1);
        String one = KeepalivedConfig.render(c, lb1, "", "eth1", KeepalivedConfig.Paths.NODE);
        String two = KeepalivedConfig.render(c, lb2, "", "eth1", KeepalivedConfig.Paths.NODE);
        Golden.assertMatches("LoadBalancerRenderTest", "keepalived-k8s-lb1.conf", one);
        Golden.assertMatches("LoadBalancerRenderTest", "keepalived-k8s-lb2.conf", two);
        assertTrue(one.contains("priority 101") && two.contains("priority 100"));
        assertTrue(one.contains("unicast_src_ip 192.168.56.5") && one.contains("        192.168.56.6\n"));
        assertTrue(two.contains("unicast_src_ip 192.168.56.6") && two.contains("        192.168.56.5\n"));
        assertTrue(one.contains("192.168.56.100/24 dev eth1"));
        assertTrue(one.contains("advert_int 0.1") && one.contains("vrrp_version 3"));
        assertFalse(one.contains("auth_pass"), "VRRPv3 has no authentication");
        assertTrue(one.contains("preempt_delay 10") && one.contains("state BACKUP"), "preemption with delay needs BACKUP");
        assertTrue(one.contains("    check_unicast_src\n"), "adverts count only from the peer");
        assertTrue(one.contains("script \"/usr/bin/curl -sf -o /dev/null --max-time 0.8 http://127.0.0.1:8404/livez\""),
                "the fallback check asks whether HAProxy serves, not whether an API server is up: " + one);
    }

    @Test
    void threeLoadBalancersHaveDistinctPrioritiesInListOrderAndEveryOtherAsPeer() {
        ClusterConfig c = Stacks.config("vagrant", Map.of("loadBalancers",
                "[\"lb-a=192.168.56.5\",\"lb-b=192.168.56.6\",\"lb-c=192.168.56.7\"]"));
        List<String> confs = c.loadBalancers().stream()
                .map(lb -> KeepalivedConfig.render(c, lb, "", "eth1", KeepalivedConfig.Paths.NODE)).toList();
        Golden.assertMatches("LoadBalancerRenderTest", "keepalived-three-lb-c.conf", confs.get(2));
        List<String> priorities = confs.stream().map(conf -> conf.lines().filter(l -> l.startsWith("    priority "))
                .findFirst().orElseThrow().trim()).toList();
        assertEquals(List.of("priority 101", "priority 100", "priority 1"), priorities,
                "the first two as in a pair; the third as far below the second as keepalived allows");
        for (int i = 0; i < 3; i++) {
            String peers = confs.get(i).substring(confs.get(i).indexOf("unicast_peer {"), confs.get(i).indexOf("}", confs.get(i).indexOf("unicast_peer {")));
            for (int j = 0; j < 3; j++) {
                String address = c.loadBalancers().get(j).address();
                assertEquals(i != j, peers.contains(address + "\n"), c.loadBalancers().get(i).name() + "'s peers: " + peers);
            }
        }
        // One initial holder: with preemption always, only the first starts as MASTER.
        ClusterConfig always = Stacks.config("vagrant", Map.of("keepalivedPreempt", "always", "loadBalancers",
                "[\"lb-a=192.168.56.5\",\"lb-b=192.168.56.6\",\"lb-c=192.168.56.7\"]"));
        List<Boolean> master = always.loadBalancers().stream().map(lb -> KeepalivedConfig.render(always, lb, "", "eth1",
                KeepalivedConfig.Paths.NODE).contains("state MASTER")).toList();
        assertEquals(List.of(true, false, false), master);
    }

    @Test
    void prioritiesAreDistinctFallingAndInKeepalivedsRangeForEveryCount() {
        for (int count = 2; count <= ClusterConfig.MAX_LOAD_BALANCERS; count++) {
            assertEquals(101, KeepalivedConfig.priority(0, count), "the initial holder, " + count + " LBs");
            assertEquals(100, KeepalivedConfig.priority(1, count), "the second, as in a pair, " + count + " LBs");
            for (int i = 1; i < count; i++) {
                assertTrue(KeepalivedConfig.priority(i, count) < KeepalivedConfig.priority(i - 1, count),
                        count + " LBs: priorities fall in list order at " + i);
            }
            assertTrue(KeepalivedConfig.priority(count - 1, count) >= 1, count + " LBs: keepalived's range starts at 1");
        }
    }

    /**
     * What makes the order firm: a backup's master-down timer is 3 adverts plus its skew, (256 - priority) / 256 of
     * an advert (keepalived v2.2.7 keepalived/include/vrrp.h VRRP_MS_DOWN_TIMER and VRRP_TIMER_SKEW_CALC, the VRRPv3
     * branch in centiseconds x 625 / 16 us; RFC 5798 6.1). The next in line must fire its timer and its first
     * advert must reach the others before theirs fire: a margin of several milliseconds at the default 100 ms
     * adverts, not the 0.4 ms of priorities one apart.
     */
    @ParameterizedTest(name = "{0} load balancers: the next in line leads the one after it by at least {1} ms")
    @CsvSource({"3,38", "4,19", "5,12", "10,4.5"})
    void theNextInLineFiresItsMasterDownTimerMillisecondsBeforeTheOneAfterIt(int count, double leadMs) {
        for (int i = 1; i < count - 1; i++) {
            double lead = skewMs(KeepalivedConfig.priority(i + 1, count), 100) - skewMs(KeepalivedConfig.priority(i, count), 100);
            assertTrue(lead >= leadMs, count + " LBs, LB " + (i + 1) + " before LB " + (i + 2) + ": " + lead + " ms");
        }
    }

    /** keepalived's VRRPv3 skew in ms: ((256 - priority) x advert in centiseconds x 625) / 16 microseconds. */
    private static double skewMs(int priority, int advertMs) {
        return ((256 - priority) * (advertMs / 10) * 625 / 16) / 1000.0;
    }

    @Test
    void vrrpv2CarriesTheAuthPassword() {
        ClusterConfig c = Stacks.config("vagrant", Map.of("keepalivedVrrpVersion", "2", "keepalivedAdvertIntervalMs", "1000"));
        String conf = KeepalivedConfig.render(c, c.loadBalancers().get(0), "pw123456", "eth1",
                KeepalivedConfig.Paths.NODE);
        assertTrue(conf.contains("auth_pass pw123456") && conf.contains("advert_int 1\n") && conf.contains("vrrp_version 2"), conf);
    }

    @Test
    void backendListFollowsTheControlPlane() {
        ClusterConfig c = Stacks.config("vagrant", Map.of("controlPlaneNodes",
                "[\"k8s-master1=192.168.56.10\",\"k8s-master2=192.168.56.11\",\"k8s-master4=192.168.56.13\"]"));
        String cfg = HaproxyConfig.render(c, PASSWORD);
        assertTrue(cfg.contains("server k8s-master4 192.168.56.13:6443"));
        assertFalse(cfg.contains("k8s-master3"));
    }

    @Test
    void everyHaproxyVariantPassesHaproxyCheck() throws Exception {
        assumeTrue(Netns.onPath("haproxy"), "haproxy is not installed (apt-get install haproxy)");
        for (Map<String, String> overrides : new Map[]{Map.of(), Map.of("haproxyRetries", "0", "haproxyCheckIntervalMs", "2000"),
                Map.of("apiPort", "8443", "haproxyStatsPort", "9000")}) {
            Path file = Files.createTempFile("haproxy", ".cfg");
            Files.writeString(file, HaproxyConfig.render(Stacks.config("vagrant", overrides), PASSWORD, "/tmp/kubeha-test-admin.sock"));
            Netns.Result r = Netns.exec("haproxy", "-c", "-f", file.toString());
            assertEquals(0, r.exitCode(), overrides + ": " + r.output());
            assertFalse(r.output().contains("Warnings were found"), overrides + ": " + r.output());
            Files.delete(file);
        }
    }

    @ParameterizedTest(name = "VRRPv{0}, preempt {1}")
    @CsvSource({"3,delay,100", "3,always,100", "3,never,100", "2,delay,1000", "2,always,1000", "2,never,1000"})
    void everyKeepalivedVariantPassesKeepalivedConfigTest(int version, String preempt, int advertMs) throws Exception {
        ClusterConfig c = Stacks.config("vagrant", Map.of("keepalivedVrrpVersion", Integer.toString(version),
                "keepalivedPreempt", preempt, "keepalivedAdvertIntervalMs", Integer.toString(advertMs)));
        assertKeepalivedAccepts(c, c.loadBalancers().get(0), "keepalived-" + version + preempt + ".conf");
    }

    @Test
    void theLastOfThreeLoadBalancersWithTheLowestPriorityPassesKeepalivedConfigTest() throws Exception {
        ClusterConfig c = Stacks.config("vagrant", Map.of("loadBalancers",
                "[\"lb-a=192.168.56.5\",\"lb-b=192.168.56.6\",\"lb-c=192.168.56.7\"]"));
        assertKeepalivedAccepts(c, c.loadBalancers().get(2), "keepalived-three-lb-c.conf");
    }

    /** keepalived --config-test on {@code lb}'s config, in a namespace where its address and interface exist. */
    private static void assertKeepalivedAccepts(ClusterConfig c, Node lb, String fileName) throws Exception {
        assumeTrue(Netns.onPath("keepalived"), "keepalived is not installed (apt-get install keepalived)");
        String why = Netns.unavailableReason();
        assumeTrue(why == null, why);
        Path dir = Files.createDirectories(Path.of("target", "keepalived-test"));
        Path notify = dir.resolve("notify.sh");
        Files.writeString(notify, dev.kubeha.render.Templates.load("keepalived/notify.sh"));
        Files.setPosixFilePermissions(notify, PosixFilePermissions.fromString("rwxr-xr-x"));
        KeepalivedConfig.Paths paths = new KeepalivedConfig.Paths(dir.toAbsolutePath().toString(),
                notify.toAbsolutePath().toString(), dir.toAbsolutePath().resolve("haproxy-down").toString());
        Path conf = dir.resolve(fileName);
        Files.writeString(conf, KeepalivedConfig.render(c, lb, "pw123456", "eth1", paths));
        try (Netns ns = Netns.withAddress("kat", "eth1", lb.address(), 24)) {
            Netns.Result r = ns.run("keepalived", "--config-test", "-f", conf.toAbsolutePath().toString());
            assertEquals(0, r.exitCode(), r.output());
            assertFalse(r.output().contains("Unknown keyword"), r.output());
        }
    }
}
