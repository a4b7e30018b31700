package dev.kubeha;

import dev.kubeha.components.ClusterIdentity;
import dev.kubeha.engine.Change;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import dev.kubeha.engine.Op;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What holds the cluster is protected (the cluster's identity, the first control-plane VM, kubeadm init), and the
 * way to lift it: {@code allowClusterDestroy} with a plain {@code pulumi up}, then {@code pulumi destroy} or an
 * identity change, which then rebuilds the whole cluster.
 */
class ProtectionTest {
    static final Map<String, String> LIFTED = Map.of("allowClusterDestroy", "true");

    /** Everything a registration waits for before the SDK sends it: dependencies and parent, transitively. */
    static Set<String> waitsFor(ProgramRun run, String name) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(name));
        while (!todo.isEmpty()) {
            run.find(todo.pop()).ifPresent(r -> {
                List<String> next = new java.util.ArrayList<>(r.dependencies());
                next.add(r.parent());
                next.stream().filter(n -> !n.isEmpty() && seen.add(n)).forEach(todo::push);
            });
        }
        return seen;
    }

    @Test
    void everythingThatActsWaitsForTheClusterIdentity() {
        for (String stack : List.of("vagrant", "existing")) {
            ProgramRun run = ProgramRun.of(Stacks.raw(stack, ReplacementTest.EXISTING_KEY), Main::stack);
            assertEquals(ClusterIdentity.NAME, run.registrations().get(1).name(), "registered first, after the stack");
            Set<String> notWaiting = new TreeSet<>();
            for (Registration r : run.registrations()) {
                if (!waitsFor(run, r.name()).contains(ClusterIdentity.NAME)) {
                    notWaiting.add(r.name());
                }
            }
            // The random secrets have no input that changes with the config: they cannot do anything meanwhile.
            assertEquals(Set.of("kubeha-vagrant", ClusterIdentity.NAME, "haproxy-stats-password", "kubeadm-bootstrap-token",
                    "kubeadm-certificate-key"), notWaiting, stack);
            String first = stack.equals("vagrant") ? "k8s-master1" : "cp1";
            assertTrue(run.get(ClusterIdentity.NAME).protect() && run.get(first + "-init").protect(),
                    "identity and init are protected");
            assertTrue(run.get("cni-provider").protect(), "the CNI's provider is protected: a new kubeconfig cluster entry"
                    + " would replace the pod network");
        }
        assertTrue(ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack).get("k8s-master1-vm").protect());
        assertFalse(ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack).get("k8s-master2-vm").protect());
    }

    @Test
    void destroyIsRefusedUntilTheProtectionIsLifted() {
        Deployment refused = Engine.destroy("vagrant", Map.of());
        assertEquals(4, refused.errors().size(), "identity, first VM, init, the CNI's provider: " + refused.errors());
        assertTrue(refused.errors().stream().allMatch(e -> e.contains("cannot be deleted\nbecause it is protected")));
        assertEquals(List.of(), Engine.destroy("vagrant", LIFTED).errors());
    }

    @Test
    void liftingTheProtectionRunsNothing() {
        Deployment d = Engine.change("vagrant", Map.of(), LIFTED, false);
        assertEquals(List.of(), d.errors());
        assertEquals(List.of(), d.ops(), "only the state's protect flags change");
    }

    @Test
    void liftingTheProtectionAndChangingTheIdentityInOneUpIsRefused() {
        Deployment d = Engine.change("vagrant", Map.of(), Map.of("allowClusterDestroy", "true", "vip", "192.168.56.101"), false);
        assertFalse(d.errors().isEmpty(), "init is still protected in the state when the identity's cascade reaches it");
        assertTrue(d.errors().get(0).contains("k8s-master1-init"), d.errors().toString());
        assertEquals(List.of(), d.ops());
    }

    @Test
    void withTheProtectionLiftedAnIdentityChangeRebuildsTheWholeClusterTornDownFirst() {
        Deployment d = Engine.change("vagrant", LIFTED, Map.of("podSubnet", "10.245.0.0/16"), false);
        assertEquals(List.of(), d.errors());
        Set<String> members = new TreeSet<>(Set.of("k8s-master1-init", "k8s-master1-kubeconfig", "cluster-readiness"));
        for (String node : List.of("k8s-master1", "k8s-master2", "k8s-master3", "k8s-worker1", "k8s-worker5")) {
            members.addAll(List.of(node + "-cordon", node + "-upgrade", node + "-uncordon"));
        }
        for (String node : List.of("k8s-master2", "k8s-worker1", "k8s-worker5")) {
            members.addAll(List.of(node + "-credentials", node + "-join", node + "-drain"));
        }
        assertTrue(d.deleted().containsAll(members), "every membership step is torn down: " + d.deleted());
        assertFalse(d.deleted().stream().anyMatch(n -> n.endsWith("-vm") || n.endsWith("-prepare") || n.startsWith("k8s-lb")),
                "machines, their preparation and the load balancers stay: " + d.deleted());
        List<Op> ops = d.ops();
        int firstCreate = ops.indexOf(new Op(Op.Kind.CREATE, ClusterIdentity.NAME));
        assertTrue(ops.subList(0, firstCreate).stream().allMatch(o -> o.kind() == Op.Kind.DELETE),
                "all torn down before anything is built: " + ops);
        assertTrue(ops.indexOf(new Op(Op.Kind.DELETE, "k8s-worker1-join")) < ops.indexOf(new Op(Op.Kind.DELETE, "k8s-master1-init")),
                "nodes are reset before the first node's init is");
        assertEquals(Change.REPLACE, d.changes().get("cni-provider"), "the CNI is installed afresh in the new cluster");
    }
}
