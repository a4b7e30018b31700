package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.etcd.EtcdScripts;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.CommandProvider;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full rotation of a 3-member control plane against a real etcd (Debian's etcd-server and etcd-client) on loopback:
 * each original node replaced in turn (m1 by m4, m2 by m5, m3 by m6), with the rendered scripts kubeha runs, through
 * the command provider's model: the membership check ({@code control-plane-members}, when the list changes), then the
 * new member's join (a stand-in: {@link LocalEtcd#join}), then the leaving node's removal from its acting member
 * (the delete of {@code <node>-drain}), each time while the leaving member leads etcd. A client writes and reads all
 * along, as the API servers would (the stand-in for "the API up throughout"); every write and read must succeed. The stand-in kubectl turns
 * {@code kubectl exec etcd-<node> -- etcdctl ...} into the real etcdctl against that node's member and answers the
 * Node-object calls.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class ControlPlaneRotationTest {
    static final Map<String, String> ADDRESSES = new LinkedHashMap<>();

    static {
        for (int i = 1; i <= 6; i++) {
            ADDRESSES.put("m" + i, "127.0.77." + i);
        }
    }

    @BeforeAll
    static void etcdInstalled() {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
    }

    static ClusterConfig stack(String... controlPlane) {
        Map<String, String> config = new HashMap<>();
        config.put("controlPlaneNodes", "[" + java.util.Arrays.stream(controlPlane)
                .map(n -> "\"" + n + "=" + ADDRESSES.get(n) + "\"").collect(Collectors.joining(",")) + "]");
        config.put("controlPlaneInitNode", "m1");
        config.put("allowEvenControlPlane", "true");  // a dead node leaves before its replacement joins
        // The whole stack on this loopback network, so that the nodes' addresses are valid.
        config.put("vip", "127.0.77.100");
        config.put("loadBalancers", "[\"lb1=127.0.77.51\",\"lb2=127.0.77.52\"]");
        config.put("workers", "[]");
        return Stacks.config("vagrant", config);
    }

    static Node node(ClusterConfig config, String name) {
        return config.controlPlane().stream().filter(n -> n.name().equals(name)).findFirst()
                .orElse(new Node(name, ADDRESSES.get(name), dev.kubeha.config.Role.CONTROL_PLANE));
    }

    /** The acting member's machine: kubectl through its admin.conf, etcdctl through its own etcd static pod. */
    static ScriptHarness actingMember(LocalEtcd etcd, String readyCondition) {
        String pods = ADDRESSES.keySet().stream()
                .map(n -> "*' exec etcd-" + n + " -- etcdctl '*) url=http://" + ADDRESSES.get(n) + ":2379;;")
                .collect(Collectors.joining(" "));
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubectl", "url=; case \"$*\" in " + pods
                + " *' get node '*'jsonpath='*) echo " + readyCondition + "; exit 0;; "
                + " *' get node '*|*' cordon '*|*' drain '*|*' delete node '*) exit 0;; *) exit 1;; esac; "
                + "while [ \"$1\" != etcdctl ]; do shift; done; shift; args=(); "
                // The pod's own member at 127.0.0.1; another member by its address (http here, as LocalEtcd serves).
                + "for a; do case \"$a\" in --endpoints=https://127.0.0.1:2379) ;; "
                + "--endpoints=https://*) url=\"http://${a#--endpoints=https://}\";; "
                + "--endpoints=*|--cacert=*|--cert=*|--key=*) ;; *) args+=(\"$a\");; esac; done; "
                + "exec /usr/bin/etcdctl --endpoints=\"$url\" --command-timeout=5s \"${args[@]}\"");
        // The snapshot command <node>-etcd-backup installs (tested in EtcdBackupScriptsTest): here it records its call.
        Path snapshot = h.root().resolve("usr/local/sbin/kubeha-etcd-snapshot");
        try {
            Files.createDirectories(snapshot.getParent());
            Files.writeString(snapshot, "#!/bin/sh\necho \"snapshot $1\" >>\"$KUBEHA_ROOT/snapshots\"\n");
            snapshot.toFile().setExecutable(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return h;
    }

    static List<String> memberNames(LocalEtcd etcd) {
        return etcd.memberList().stream().map(l -> l.split(", ")[2]).sorted().toList();
    }

    /**
     * The API's clients: writes and reads a key every 300 ms, each time through the next ready API server (its etcd
     * member), until stopped; counts what failed.
     */
    static final class Client implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        private final AtomicInteger started = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile String endpoints;
        private volatile String lastError = "";
        private volatile boolean running = true;
        private final Thread thread;

        Client(String initialEndpoints) {
            this.endpoints = initialEndpoints;
            thread = new Thread(() -> {
                // Bounded: far longer than a rotation takes on a loaded machine; close() ends it before.
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
                for (int i = 0; running && System.nanoTime() < end; i++) {
                    started.incrementAndGet();
                    String value = "v" + i;
                    // As the load balancers do: each request to one of the ready API servers in turn, and each API
                    // server asks its own etcd member (kubeadm's kube-apiserver --etcd-servers=https://127.0.0.1:2379).
                    String[] ready = this.endpoints.split(",");
                    String server = ready[i % ready.length];
                    String put = etcdctl(server, "put", "rotation/key", value);
                    String get = put == null ? null : etcdctl(server, "get", "rotation/key", "--print-value-only");
                    if (put == null || get == null || !get.strip().equals(value)) {
                        failures.add(i + ": put " + put + ", get " + get + " (" + server + "): " + lastError);
                    } else {
                        ok.incrementAndGet();
                    }
                    sleep(300);
                }
            });
            thread.start();
        }

        private String etcdctl(String endpoint, String... args) {
            // As long as kube-apiserver lets a request take (its --request-timeout, 1m0s by default): a request that
            // waits out a leader election or a busy machine's fsync still answers. And it dials its etcd as patiently
            // (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/storagebackend/factory/etcd3.go:
            // dialTimeout = 20 * time.Second, "shorter than that will cause TLS connections to fail on heavily
            // loaded" machines); etcdctl's own default, 2 s, failed a request here under load.
            List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoint, "--dial-timeout=20s",
                    "--command-timeout=60s"));
            command.addAll(List.of(args));
            try {
                // Its warnings (a retry after a leader change) go to stderr; what was read is on stdout.
                Process p = new ProcessBuilder(command).start();
                long begin = System.nanoTime();
                if (!p.waitFor(70, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    lastError = "timed out";
                    return null;
                }
                slowest.accumulateAndGet((System.nanoTime() - begin) / 1_000_000, Math::max);
                String out = new String(p.getInputStream().readAllBytes());
                lastError = new String(p.getErrorStream().readAllBytes());
                return p.exitValue() == 0 ? out : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        /**
         * Returns once a request started after this call has ended, so that none is still on its way to the endpoints
         * of before. Waits as long as one request may take (a put and a get of at most 70 s each), then fails: going
         * on would stop a member under a request in flight, which is not what the test is about.
         */
        void awaitNextRequest() {
            int now = started.get();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (started.get() < now + 2) {
                if (System.nanoTime() > end || !thread.isAlive()) {
                    throw new AssertionError("the client's request in flight did not end within 150 s (" + ok + " done)");
                }
                sleep(20);
            }
        }

        /** Stops the client once its request in flight has ended (as long as one may take), so that it is counted. */
        @Override
        public void close() {
            running = false;
            try {
                thread.join(150_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * One stage: the check with the new list, the new member joins, the leaving node is removed from the acting
     * member of the new list; its process stops (kubeadm reset on the node, or the node is dead).
     */
    static void replace(LocalEtcd etcd, Client client, String leaving, String joining, String... newList) {
        ClusterConfig config = stack(newList);
        ScriptHarness acting = actingMember(etcd, "True");
        ScriptHarness.Run check = acting.run(EtcdScripts.membership(config));
        assertEquals(0, check.exitCode(), check.stderr() + check.calls());
        etcd.join(joining, ADDRESSES.get(joining));
        // The removal drains the leaving node's API server on the load balancers first: from then on the clients
        // reach the API servers of the new list only, each of which talks to its own etcd member.
        client.endpoints = java.util.Arrays.stream(newList).map(n -> "http://" + ADDRESSES.get(n) + ":2379")
                .collect(Collectors.joining(","));
        // A request already on its way to the leaving API server is not modelled: the test lets it end first (see
        // the README's limits: the removal does not wait for requests in flight on the drained API server).
        client.awaitNextRequest();
        // The hardest case: the leaving member leads etcd (the first of the three did, as m1 does after init).
        String leavingId = etcd.memberList().stream().filter(l -> l.contains(", " + leaving + ", ")).findFirst().orElseThrow().split(", ")[0];
        etcd.etcdctlUntilOk("move-leader", leavingId);
        Node old = node(config, leaving);
        ScriptHarness.Run removal = acting.delete(NodeScripts.drain(config, old), NodeScripts.awaitNode(config, old));
        assertEquals(0, removal.exitCode(), removal.stderr());
        assertTrue(removal.stderr().contains("removed the etcd member"), removal.stderr());
        // It led a moment before; an election on a loaded machine may have moved the leadership meanwhile.
        String leavingUrl = "https://" + ADDRESSES.get(leaving) + ":2379";
        assertTrue(removal.stderr().contains("moved etcd's leadership from " + leavingUrl)
                || removal.stderr().contains("the member at " + leavingUrl + " does not lead etcd"),
                "the leader handed over before its removal: " + removal.stderr());
        assertTrue(removal.calls().stream().anyMatch(c -> c.contains("exec etcd-" + config.actingMember(old).name())),
                "through the acting member's etcd: " + removal.calls());
        etcd.forget(leaving);
        List<String> expected = java.util.Arrays.stream(newList).sorted().toList();
        assertEquals(expected, memberNames(etcd));
    }

    @Test
    void eachOriginalNodeIsReplacedInTurnAndTheClusterAnswersThroughout() {
        try (LocalEtcd etcd = LocalEtcd.atAddresses(Map.of("m1", ADDRESSES.get("m1"), "m2", ADDRESSES.get("m2"),
                "m3", ADDRESSES.get("m3")))) {
            Client client = new Client(etcd.endpoints());
            try (client) {
                replace(etcd, client, "m1", "m4", "m2", "m3", "m4");
                replace(etcd, client, "m2", "m5", "m3", "m4", "m5");
                replace(etcd, client, "m3", "m6", "m4", "m5", "m6");
                sleep(500);
            }
            assertEquals(List.of(), client.failures, "every write and read succeeded (" + client.ok + " of them)");
            System.out.println("rotation: " + client.ok + " writes and reads, the slowest call " + client.slowest + " ms");
            assertTrue(client.ok.get() > 10, "the client kept writing: " + client.ok);
        }
    }

    @Test
    void removingTwoMembersAtOnceOrLosingQuorumIsRefusedBeforeAnythingChanges() {
        try (LocalEtcd etcd = LocalEtcd.atAddresses(Map.of("m1", ADDRESSES.get("m1"), "m2", ADDRESSES.get("m2"),
                "m3", ADDRESSES.get("m3")))) {
            ScriptHarness.Run two = actingMember(etcd, "True").run(EtcdScripts.membership(stack("m3", "m4", "m5")));
            assertEquals(1, two.exitCode());
            assertTrue(two.stderr().contains("kubeha:controlPlaneNodes removes 2 etcd members at once (m1 m2)"), two.stderr());

            etcd.kill("m2");  // a member dead: removing the healthy m1 would leave m2 (dead) and m3
            // m3 first: the acting member must answer (with m2 first the check fails as well, reading nothing).
            ScriptHarness.Run quorum = actingMember(etcd, "True").run(EtcdScripts.membership(stack("m3", "m2")));
            assertEquals(1, quorum.exitCode());
            assertTrue(quorum.stderr().contains("kubeha:controlPlaneNodes removes m1, which would leave etcd without quorum"),
                    quorum.stderr());
            assertEquals(List.of("m1", "m2", "m3"), memberNames(etcd), "nothing changed");

            // The removal itself checks again: removing m1 now is refused too, before its drain.
            ClusterConfig config = stack("m3", "m2");
            ScriptHarness.Run removal = actingMember(etcd, "True").delete(NodeScripts.drain(config, node(config, "m1")),
                    NodeScripts.awaitNode(config, node(config, "m1")));
            assertEquals(1, removal.exitCode());
            assertTrue(removal.stderr().contains("would leave etcd without quorum"), removal.stderr());
            assertFalse(removal.calls().stream().anyMatch(c -> c.contains(" drain ") || c.contains("member remove")),
                    removal.calls().toString());
            assertEquals(List.of("m1", "m2", "m3"), memberNames(etcd));
        }
    }

    @Test
    void aDeadNodeLeavesFirstFromItsActingMemberWithoutWaitingForItsPodsThenItsReplacementJoins() {
        try (LocalEtcd etcd = LocalEtcd.atAddresses(Map.of("m1", ADDRESSES.get("m1"), "m2", ADDRESSES.get("m2"),
                "m3", ADDRESSES.get("m3")))) {
            etcd.kill("m1");  // the node that ran kubeadm init is gone
            ScriptHarness acting = actingMember(etcd, "Unknown");
            ScriptHarness.Run replaceAtOnce = acting.run(EtcdScripts.membership(stack("m2", "m3", "m4")));
            assertEquals(1, replaceAtOnce.exitCode(), "etcd would refuse m4 while m1 does not answer");
            assertTrue(replaceAtOnce.stderr().contains("Remove the dead node first"), replaceAtOnce.stderr());

            ClusterConfig config = stack("m2", "m3");
            ScriptHarness.Run check = acting.run(EtcdScripts.membership(config));
            assertEquals(0, check.exitCode(), "2 of 3 answer, and both stay: " + check.stderr());
            ScriptHarness.Run removal = acting.delete(NodeScripts.drain(config, node(config, "m1")),
                    NodeScripts.awaitNode(config, node(config, "m1")));
            assertEquals(0, removal.exitCode(), removal.stderr());
            assertTrue(removal.calls().stream().anyMatch(c -> c.contains(" cordon m1")), removal.calls().toString());
            assertFalse(removal.calls().stream().anyMatch(c -> c.contains(" drain m1")), "no drain waits for its pods");
            assertTrue(removal.calls().stream().anyMatch(c -> c.contains(" delete node m1")), removal.calls().toString());
            // Then Pulumi deletes m1's own steps: their deletes dial m1, which does not answer, and fail without
            // running anything; the cluster is whole already.
            CommandProvider.Run reset = new CommandProvider.Remote(new CommandProvider.Unreachable(ADDRESSES.get("m1"), 5))
                    .delete(new CommandProvider.State(ScriptHarness.step("init").delete(
                            dev.kubeha.render.RemoteShell.runAsRoot(NodeScripts.reset(config, node(config, "m1")))), "", ""))
                    .orElseThrow();
            assertTrue(reset.error().orElseThrow().contains("failed attempts"), reset.error().toString());
            etcd.forget("m1");
            assertEquals(List.of("m2", "m3"), memberNames(etcd));

            ScriptHarness.Run then = acting.run(EtcdScripts.membership(stack("m2", "m3", "m4")));
            assertEquals(0, then.exitCode(), then.stderr());
            etcd.join("m4", ADDRESSES.get("m4"));
            assertEquals(List.of("m2", "m3", "m4"), memberNames(etcd));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
