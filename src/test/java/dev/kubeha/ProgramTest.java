package dev.kubeha;

import com.pulumi.core.Output;
import dev.kubeha.components.WorkerTokens;
import dev.kubeha.config.RawConfig;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.render.RemoteShell;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole program on the vagrant stack under the SDK's mock engine: order, wiring, secrets, outputs. */
class ProgramTest {
    private static final String REMOTE = "command:remote:Command";

    static ProgramRun run(Map<String, String> overrides) {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", overrides), Main::stack);
        assertEquals(0, run.result.exitCode(), () -> String.join("\n", run.result.errors()));
        return run;
    }

    static ProgramRun vagrant() {
        return run(Map.of());
    }

    @Test
    void firstInitWaitsForTheLoadBalancerPairAndItsOwnPreparation() {
        ProgramRun run = vagrant();
        List<String> deps = run.dependenciesOf("k8s-master1-init");
        assertTrue(deps.containsAll(List.of("k8s-lb1-configure", "k8s-lb2-configure", "k8s-master1-lb-access", "k8s-master1-vm")), deps.toString());
        // Its own preparation through the step that leaves the load balancers' credentials on it.
        assertTrue(run.dependenciesOf("k8s-master1-lb-access").contains("k8s-master1-prepare"));
        assertFalse(deps.stream().anyMatch(d -> d.startsWith("k8s-master2") || d.startsWith("k8s-worker")), deps.toString());
    }

    @Test
    void controlPlaneJoinsOneAtATime() {
        ProgramRun run = vagrant();
        assertTrue(run.dependenciesOf("k8s-master2-credentials").contains("control-plane-members")
                        && run.dependenciesOf("control-plane-members").contains("k8s-master1-kubeconfig"),
                "the first join waits for the membership check, which waits for init and the CA hash read after it");
        assertTrue(run.dependenciesOf("k8s-master2-join").contains("k8s-master2-credentials"));
        assertTrue(run.dependenciesOf("k8s-master3-credentials").contains("k8s-master2-join"),
                "master3's join starts only after master2's join finished");
        assertTrue(run.dependenciesOf("k8s-master3-join").contains("k8s-master3-credentials"));
    }

    @Test
    void upgradesGoOneNodeAtATimeControlPlaneFirstAndTheGateWaitsForThem() {
        ProgramRun run = vagrant();
        List<String> order = List.of("k8s-master1", "k8s-master2", "k8s-master3",
                "k8s-worker1", "k8s-worker2", "k8s-worker3", "k8s-worker4", "k8s-worker5");
        assertEquals(List.of("cluster-identity", "k8s-master1-etcd-backup", "k8s-master1-kubeconfig", "k8s-master1-vm",
                        "k8s-master2-vm"), run.dependenciesOf("k8s-master1-cordon"),
                "the first node's upgrade steps wait only for its init and its snapshot command (and its cordon runs on"
                        + " its acting member, k8s-master2, once that machine is up)");
        for (int i = 0; i < order.size(); i++) {
            String n = order.get(i);
            assertTrue(run.dependenciesOf(n + "-upgrade").contains(n + "-cordon"), n);
            assertTrue(run.dependenciesOf(n + "-uncordon").contains(n + "-upgrade"), n);
            if (i > 0) {
                List<String> deps = run.dependenciesOf(n + "-cordon");
                assertTrue(deps.containsAll(List.of(order.get(i - 1) + "-uncordon", n + "-drain")),
                        n + " is drained only once it registered and the node before it is back: " + deps);
            }
        }
        assertTrue(run.dependenciesOf("cluster-readiness").contains("k8s-worker5-uncordon"));
        assertTrue(run.inputs("k8s-master1-upgrade").get("stdin").toString().contains("FIRST='true'"),
                "kubeadm upgrade apply runs on the node that ran kubeadm init");
        assertTrue(run.inputs("k8s-master2-upgrade").get("stdin").toString().contains("FIRST='false'"));
        for (String n : order) {
            for (String step : List.of("-cordon", "-upgrade", "-uncordon")) {
                Map<String, Object> in = run.inputs(n + step);
                assertEquals(null, in.get("create"), n + step + ": no create command, so no SSH session when it is created");
                assertEquals(RemoteShell.RUN_STDIN_AS_ROOT, in.get("update"), n + step + ": its script runs when it changes");
            }
        }
    }

    @Test
    void workersUpgradeInBatchesEachAfterTheWholePreviousBatch() {
        ProgramRun run = run(Map.of("upgradeWorkerBatch", "2"));
        List<List<String>> batches = List.of(List.of("k8s-worker1", "k8s-worker2"), List.of("k8s-worker3", "k8s-worker4"),
                List.of("k8s-worker5"));
        for (int b = 0; b < batches.size(); b++) {
            for (String n : batches.get(b)) {
                List<String> deps = run.dependenciesOf(n + "-cordon");
                List<String> previous = b == 0 ? List.of("k8s-master3-uncordon")
                        : batches.get(b - 1).stream().map(p -> p + "-uncordon").toList();
                assertTrue(deps.containsAll(previous), n + " waits for the whole previous batch: " + deps);
                for (String peer : batches.get(b)) {
                    assertFalse(deps.contains(peer + "-uncordon"), n + " does not wait for its own batch: " + deps);
                }
            }
        }
        assertTrue(run.dependenciesOf("cluster-readiness").contains("k8s-worker5-uncordon"));
        assertFalse(run.dependenciesOf("cluster-readiness").contains("k8s-worker4-uncordon"), "the last batch only");
    }

    @Test
    void workersWaitOnlyForTheFirstControlPlaneNode() {
        ProgramRun run = vagrant();
        for (int i = 1; i <= 5; i++) {
            String w = "k8s-worker" + i;
            List<String> creds = run.dependenciesOf(w + "-credentials");
            assertTrue(creds.contains("k8s-master1-kubeconfig"), creds.toString());
            // Its token comes from its batch (WorkerTokens), which runs after the records of its workers (a rebuilt
            // record, a new id, runs it again) and before their joins.
            String batch = WorkerTokens.batchOf(w);
            assertTrue(run.dependenciesOf(w + "-join").containsAll(List.of(w + "-credentials", batch)),
                    run.dependenciesOf(w + "-join").toString());
            // The record waits for the worker's preparation, so a token is made only for a machine ready to join.
            assertTrue(creds.contains(w + "-prepare"), creds.toString());
            assertTrue(run.dependenciesOf(batch).contains(w + "-credentials"), run.dependenciesOf(batch).toString());
            assertTrue(run.get(batch).propertyDependencies().get("stdin").containsAll(List.of(w + "-credentials", w + "-join-token")),
                    "the batch's script carries the worker's token and its record's id");
            // The only other worker step a record waits for is the one before it in its chain on the first
            // node (6 chains: SessionLanes), which bounds that node's SSH sessions.
            String chained = i > 6 ? "k8s-worker" + (i - 6) + "-credentials" : "";
            for (String name : List.of(w + "-credentials", w + "-join")) {
                assertFalse(run.dependenciesOf(name).stream().anyMatch(d -> d.startsWith("k8s-master2") || d.startsWith("k8s-master3")
                        || (d.startsWith("k8s-worker") && !d.startsWith(w + "-") && !d.equals(chained))),
                        name + " waits for " + run.dependenciesOf(name));
            }
            assertEquals(i > 6, creds.contains(chained), creds.toString());
        }
    }

    @Test
    void joinsCarryTheFirstNodesCredentialsAllSecret() {
        ProgramRun run = vagrant();
        String join = (String) run.inputs("k8s-master2-join").get("stdin");
        assertTrue(join.contains(ClusterMocks.CA_CERT_HASH), "CA hash read on master1 after its init");
        String certKey = ClusterMocks.fake("kubeadm-certificate-key", 64);
        assertTrue(join.contains(certKey), "certificate key");
        String token = ClusterMocks.fake("k8s-master2-join-token", 22);
        assertTrue(join.contains(token.substring(0, 6) + "." + token.substring(6)), "the join's own token");
        String workerJoin = (String) run.inputs("k8s-worker1-join").get("stdin");
        assertTrue(workerJoin.contains(ClusterMocks.CA_CERT_HASH));
        assertFalse(workerJoin.contains(certKey), "workers never receive the certificate key");
        for (String name : List.of("k8s-master1-init", "k8s-master2-join", "k8s-worker1-join", "k8s-master2-credentials",
                WorkerTokens.batchOf("k8s-worker1"), "k8s-lb1-configure")) {
            assertTrue(run.isSecretInput(name, "stdin"), name + " stdin must be a secret");
        }
        String worker1Token = ClusterMocks.fake("k8s-worker1-join-token", 22);
        assertTrue(((String) run.inputs(WorkerTokens.batchOf("k8s-worker1")).get("stdin"))
                .contains("k8s-worker1 " + worker1Token.substring(0, 6) + "." + worker1Token.substring(6) + " "), "its batch makes its own token");
        Map<String, Object> record = run.inputs("k8s-worker1-credentials");
        assertEquals(List.of(), List.of("create", "update", "stdin").stream().filter(record::containsKey).toList(),
                "a worker's record runs nothing but its delete: " + record.keySet());
        assertEquals(RemoteShell.runAsRoot(NodeScripts.deleteNode(Stacks.vagrant(), Stacks.vagrant().workers().get(0))),
                record.get("delete"), "its delete makes sure the Node object is gone");
        assertTrue(run.get("k8s-master1-kubeconfig").additionalSecretOutputs().contains("stdout"));
        assertEquals("none", run.inputs("k8s-master1-kubeconfig").get("logging"), "the kubeconfig is never logged");
        assertEquals(false, run.inputs("k8s-master1-kubeconfig").get("addPreviousOutputInEnv"),
                "nor handed to the next run's environment");
    }

    @Test
    void everyComponentChildHasItsComponentAsParent() {
        ProgramRun run = vagrant();
        Map<String, String> parents = new HashMap<>();
        for (Registration r : run.registrations()) {
            parents.put(r.name(), r.parent());
        }
        for (String lbChild : List.of("k8s-lb1-install", "k8s-lb1-configure", "k8s-lb2-install", "k8s-lb2-configure")) {
            assertEquals("load-balancers", parents.get(lbChild), lbChild);
        }
        assertEquals("control-plane", parents.get("k8s-master2-join"));
        assertEquals("workers", parents.get("k8s-worker3-join"));
        assertEquals("machines", parents.get("k8s-worker3-vm"));
        assertEquals("kubeha:index:LoadBalancerPair", run.get("load-balancers").type());
        assertEquals("kubeha:index:ControlPlane", run.get("control-plane").type());
        assertEquals("kubeha:index:WorkerPool", run.get("workers").type());
    }

    @Test
    void stackOutputsExistAndSecretsAreSecret() {
        ProgramRun run = vagrant();
        Map<String, Output<?>> outputs = run.result.outputs();
        assertTrue(outputs.keySet().containsAll(Set.of("apiEndpoint", "kubeconfig", "nodes", "haproxyStatsUrl",
                "haproxyStatsUser", "haproxyStatsPassword", "vip")), outputs.keySet().toString());
        assertEquals("https://192.168.56.100:6443", ProgramRun.value(outputs.get("apiEndpoint")));
        assertTrue(ProgramRun.isSecret(outputs.get("kubeconfig")));
        assertTrue(ProgramRun.isSecret(outputs.get("haproxyStatsPassword")));
        String kubeconfig = (String) ProgramRun.value(outputs.get("kubeconfig"));
        assertTrue(kubeconfig.contains("server: https://192.168.56.100:6443"), kubeconfig);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, String>> nodes = (Map<String, Map<String, String>>) ProgramRun.value(outputs.get("nodes"));
        assertEquals(Map.of("role", "control-plane", "address", "192.168.56.11"), nodes.get("k8s-master2"));
        assertEquals(10, nodes.size());
    }

    @Test
    void invalidConfigRegistersNoResourcesAtAll() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of("vip", "192.168.56.10")), Main::stack);
        assertNotEquals(0, run.result.exitCode());
        assertEquals(List.of(), run.registrations().stream().filter(r -> !r.type().equals("pulumi:pulumi:Stack")).toList());
        assertTrue(String.join("\n", run.result.errors()).contains("kubeha:vip"), run.result.errors().toString());
    }
}
