package dev.kubeha;

import dev.kubeha.components.WorkerTokens;
import dev.kubeha.engine.Change;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import dev.kubeha.engine.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code pulumi up} deletes for each kind of config change, by the engine's replacement rules
 * ({@link dev.kubeha.engine.EngineModel}): a machine's change tears down only what was built on that machine, in
 * reverse order, and builds it again in order; a change of the cluster's identity is refused before anything runs.
 */
class ReplacementTest {
    static final Map<String, String> EXISTING_KEY = Map.of("sshPrivateKeyPath", "", "sshPrivateKey", "KEY");

    /** The steps kubeha builds on one Kubernetes node, in the order they are built. */
    static List<String> nodeSteps(String node) {
        // A control-plane node (the vagrant stack names them k8s-masterN) also has its daily certificate check, its
        // etcd snapshots and the load balancers' credentials (its API server is drained before it stops).
        Stream<String> steps = Stream.of("prepare", "credentials", "join", "drain", "cordon", "upgrade", "uncordon");
        if (node.startsWith("k8s-master")) {
            steps = Stream.concat(steps, Stream.of("certificates", "etcd-backup", "lb-access"));
        }
        return steps.map(s -> node + "-" + s).toList();
    }

    static Set<String> set(List<String> names, String... more) {
        Set<String> all = new TreeSet<>(names);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void anUnchangedStackChangesNothing() {
        Deployment d = Engine.up(Map.of());
        assertEquals(List.of(), d.ops());
        assertEquals(List.of(), d.errors());
    }

    /** A node's resources: its VM, preparation, join token and membership steps. */
    static Set<String> node(String name) {
        return set(nodeSteps(name), name + "-vm", name + "-join-token");
    }

    @Test
    void whatTheEverydayChangesDelete() {
        assertEquals(Set.of("cluster-readiness"), Engine.up(Map.of("workers", ChangeTest.WORKERS_PLUS_ONE)).deleted(),
                "an added worker: only the gate runs again");
        // k8s-worker5 was the only worker of its token batch, which goes with it (it has no delete command).
        assertEquals(set(List.copyOf(node("k8s-worker5")), "cluster-readiness", WorkerTokens.batchOf("k8s-worker5")),
                Engine.up(Map.of("workers", ChangeTest.WORKERS_MINUS_ONE)).deleted());
        assertEquals(set(List.copyOf(node("k8s-master3")), "cluster-readiness"), Engine.up(Map.of("controlPlaneNodes",
                "[\"k8s-master1=192.168.56.10\",\"k8s-master2=192.168.56.11\",\"k8s-master4=192.168.56.13\"]")).deleted());
        assertEquals(Set.of(), Engine.up(Map.of("haproxyCheckIntervalMs", "2000")).deleted());
        assertEquals(Set.of(), Engine.up(Map.of("kubernetesVersion", "1.32")).deleted());
        assertEquals(Set.of("k8s-lb1-vm", "k8s-lb1-install", "k8s-lb1-configure", "k8s-lb2-vm", "k8s-lb2-install",
                "k8s-lb2-configure", "cluster-readiness"), Engine.up(Map.of("vagrantLoadBalancerMemory", "2048")).deleted());
    }

    @Test
    void aWorkersNewVmRebuildsOnlyThatWorker() {
        Deployment d = Engine.up(Map.of("workers", "[\"k8s-worker1=192.168.56.20\",\"k8s-worker2=192.168.56.31\","
                + "\"k8s-worker3=192.168.56.22\",\"k8s-worker4=192.168.56.23\",\"k8s-worker5=192.168.56.24\"]"));
        assertEquals(List.of(), d.errors());
        assertEquals(set(nodeSteps("k8s-worker2"), "k8s-worker2-vm", "cluster-readiness"), d.deleted(),
                "only worker2's VM and what was built on it (and the readiness gate, which runs again)");
    }

    @Test
    void aControlPlaneNodesNewVmRebuildsOnlyThatNode() {
        Deployment d = Engine.up(Map.of("controlPlaneNodes",
                "[\"k8s-master1=192.168.56.10\",\"k8s-master2=192.168.56.31\",\"k8s-master3=192.168.56.12\"]"));
        assertEquals(List.of(), d.errors());
        assertEquals(set(nodeSteps("k8s-master2"), "k8s-master2-vm", "cluster-readiness"), d.deleted());
        assertTrue(d.with(Change.UPDATE).containsAll(Set.of("k8s-lb1-configure", "k8s-lb2-configure")),
                "the load balancers learn the new backend in place: " + d.with(Change.UPDATE));
    }

    @Test
    void aRoleSizeChangeRebuildsThoseVmsOneCascadeEach() {
        Deployment d = Engine.up(Map.of("vagrantWorkerMemory", "4096"));
        assertEquals(List.of(), d.errors());
        Set<String> expected = new TreeSet<>(Set.of("cluster-readiness"));
        for (int i = 1; i <= 5; i++) {
            expected.addAll(nodeSteps("k8s-worker" + i));
            expected.add("k8s-worker" + i + "-vm");
        }
        assertEquals(expected, d.deleted());
    }

    @Test
    void anExistingHostOnANewAddressIsTornDownInReverseAndBuiltAgainInOrder() {
        Deployment d = Engine.change("existing", EXISTING_KEY,
                Map.of("workers", "[\"worker1=10.0.10.21\",\"worker2=10.0.10.32\"]"), false);
        assertEquals(List.of(), d.errors());
        List<String> steps = nodeSteps("worker2");
        List<Op> expected = new ArrayList<>();
        List<String> reversed = new ArrayList<>(steps);
        Collections.reverse(reversed);
        reversed.forEach(s -> expected.add(new Op(Op.Kind.DELETE, s)));
        steps.forEach(s -> expected.add(new Op(Op.Kind.CREATE, s)));
        List<Op> ops = d.opsOn(Set.copyOf(steps));
        assertEquals(expected.subList(0, steps.size()), ops.subList(0, steps.size()),
                "the old drain runs (on the old node) before the new join; the new node is never drained");
        // The worker's membership record and its preparation do not wait for each other: either is created first;
        // the join and the steps after it come in order.
        assertEquals(Set.copyOf(expected.subList(steps.size(), steps.size() + 2)), Set.copyOf(ops.subList(steps.size(), steps.size() + 2)));
        assertEquals(expected.subList(steps.size() + 2, expected.size()), ops.subList(steps.size() + 2, ops.size()));
        assertTrue(d.deleted().stream().allMatch(n -> n.startsWith("worker2") || n.equals("cluster-readiness")),
                d.deleted().toString());
        // Its token: the rebuilt record has a new id, which runs worker2's batch again (it makes the tokens of the
        // workers not registered: worker2's, whose Node the record's delete removed), before the new join.
        String batch = WorkerTokens.batchOf("worker2");
        int record = d.ops().indexOf(new Op(Op.Kind.CREATE, "worker2-credentials"));
        int tokens = d.ops().indexOf(new Op(Op.Kind.UPDATE, batch));
        int join = d.ops().indexOf(new Op(Op.Kind.CREATE, "worker2-join"));
        assertTrue(record >= 0 && record < tokens && tokens < join, batch + " runs between the record and the join: " + d.ops());
        assertEquals(Set.of(batch), d.with(Change.UPDATE).stream().filter(n -> n.endsWith("-tokens")).collect(
                java.util.stream.Collectors.toSet()), "the other batch stays");
    }

    @Test
    void aChangedApiProxyIsRefusedBeforeItReplacesTheCni() {
        // The proxy is the proxy-url of the active cluster in the provider's kubeconfig, and DiffConfig replaces the
        // provider on any change of that entry (pulumi/pulumi-kubernetes v4.0.0 provider.go DiffConfig, util.go
        // getActiveClusterFromConfig); every resource of a replaced provider is replaced (pulumi/pulumi
        // step_generator.go, providerChanged): the pod network would be installed again. The provider is protected,
        // so the engine refuses instead, and nothing runs.
        Map<String, String> bastion = new java.util.HashMap<>(EXISTING_KEY);
        bastion.putAll(Map.of("bastionHost", "bastion.example.org", "kubernetesApiProxy", "socks5://127.0.0.1:1080"));
        Deployment d = Engine.change("existing", bastion, Map.of("kubernetesApiProxy", "socks5://127.0.0.1:1081"), false);
        assertFalse(d.errors().isEmpty(), d.ops().toString());
        assertTrue(d.errors().get(0).contains("cni-provider"), d.errors().toString());
        assertEquals(Set.of(), d.deleted());
        assertEquals(List.of(), d.ops(), "nothing is deleted, created or updated");

        Map<String, String> lifted = new java.util.HashMap<>(bastion);
        lifted.put("allowClusterDestroy", "true");
        Deployment unprotected = Engine.change("existing", lifted, Map.of("kubernetesApiProxy", "socks5://127.0.0.1:1081"), false);
        assertEquals(List.of(), unprotected.errors());
        assertEquals(Set.of("cni-provider", "cni-namespace", "cni-flannel"), unprotected.deleted(),
                "with the protection lifted, the provider and what it manages are replaced; no machine is touched");
    }

    static Stream<Map<String, String>> identityChanges() {
        return Stream.of(Map.of("apiPort", "6444"), Map.of("vip", "192.168.56.101"),
                Map.of("podSubnet", "10.245.0.0/16"), Map.of("serviceSubnet", "10.112.0.0/12"),
                Map.of("clusterName", "other"),
                Map.of("controlPlaneNodes", "[\"k8s-master2=192.168.56.11\",\"k8s-master1=192.168.56.10\",\"k8s-master3=192.168.56.12\"]"),
                Map.of("controlPlaneNodes", "[\"k8s-master1=192.168.56.30\",\"k8s-master2=192.168.56.11\",\"k8s-master3=192.168.56.12\"]"),
                Map.of("vagrantControlPlaneMemory", "4096"));
    }

    @Test
    void theFirstExistingHostOnANewAddressIsRefused() {
        Deployment d = Engine.change("existing", EXISTING_KEY,
                Map.of("controlPlaneNodes", "[\"cp1=10.0.10.31\",\"cp2=10.0.10.12\",\"cp3=10.0.10.13\"]"), false);
        assertTrue(d.errors().get(0).contains("cluster-identity"), d.errors().toString());
        assertEquals(List.of(), d.ops());
    }

    @ParameterizedTest
    @MethodSource("identityChanges")
    void aChangeOfTheClustersIdentityIsRefusedBeforeAnythingRuns(Map<String, String> change) {
        Deployment up = Engine.up(change);
        assertFalse(up.errors().isEmpty(), "refused: " + up.ops());
        assertTrue(up.errors().get(0).contains("cluster-identity"), up.errors().toString());
        assertEquals(List.of(), up.ops(), "nothing is deleted, created or updated");
        Deployment preview = Engine.preview(change);
        assertFalse(preview.errors().isEmpty(), "the preview fails too");
    }
}
