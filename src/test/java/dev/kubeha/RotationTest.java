package dev.kubeha;

import dev.kubeha.Main;
import dev.kubeha.engine.Change;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import dev.kubeha.engine.Op;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full rotation of the vagrant stack's control plane under the engine's replacement rules
 * ({@link dev.kubeha.engine.EngineModel}): k8s-master1 (the node that ran kubeadm init) is replaced by k8s-master4,
 * then k8s-master2 by k8s-master5, then k8s-master3 by k8s-master6, one {@code pulumi up} each, after one run that
 * only sets controlPlaneInitNode. Each stage removes only the leaving node's steps, adds the new node's, and updates
 * in place the steps that move to the new acting member (their connection), before anything of the leaving node is
 * deleted; the cluster's identity, the other nodes' memberships and the pod network stay.
 */
class RotationTest {
    static final String M1 = "k8s-master1=192.168.56.10";
    static final String M2 = "k8s-master2=192.168.56.11";
    static final String M3 = "k8s-master3=192.168.56.12";
    static final String M4 = "k8s-master4=192.168.56.13";
    static final String M5 = "k8s-master5=192.168.56.14";
    static final String M6 = "k8s-master6=192.168.56.15";
    static final Map<String, String> INIT_NODE_NAMED = Map.of("controlPlaneInitNode", "k8s-master1");

    static Map<String, String> controlPlane(String... nodes) {
        Map<String, String> config = new HashMap<>(INIT_NODE_NAMED);
        config.put("controlPlaneNodes", "[\"" + String.join("\",\"", nodes) + "\"]");
        return config;
    }

    /** A control-plane node's own steps (its init or join ones), its VM and its join token. */
    static Set<String> nodeSteps(String node, boolean ranInit) {
        Set<String> steps = new TreeSet<>(Set.of(node + "-vm"));
        List<String> kinds = ranInit
                ? List.of("prepare", "lb-access", "init", "kubeconfig", "drain", "cordon", "upgrade", "uncordon",
                "certificates", "etcd-backup")
                : List.of("prepare", "lb-access", "join-token", "credentials", "join", "drain", "cordon", "upgrade",
                "uncordon", "certificates", "etcd-backup");
        kinds.forEach(k -> steps.add(node + "-" + k));
        return steps;
    }

    static Set<String> withScheduling(String node) {
        Set<String> steps = nodeSteps(node, false);
        steps.add(node + "-scheduling");
        return steps;
    }

    static Set<String> without(Set<String> all, String... less) {
        Set<String> rest = new TreeSet<>(all);
        List.of(less).forEach(rest::remove);
        return rest;
    }

    /**
     * One stage: the state made by {@code before}, then {@code pulumi up} with {@code after}; {@code leaving} is
     * replaced by {@code joining}.
     */
    static Deployment stage(Map<String, String> before, Map<String, String> after, Set<String> leavingSteps,
                            String joining) {
        Deployment d = Engine.change("vagrant", before, after, false);
        assertEquals(List.of(), d.errors());
        assertEquals(leavingSteps, d.with(Change.DELETE), "only the leaving node's steps are deleted");
        assertEquals(new TreeSet<>(leavingSteps), new TreeSet<>(d.deleted()).headSet("\uffff").stream()
                .filter(n -> !n.equals("cluster-readiness")).collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
                "nothing else is deleted (the readiness gate runs again, as for any new machine)");
        assertEquals(Set.of(), d.with(Change.REPLACE).stream().filter(n -> !n.equals("cluster-readiness"))
                .collect(java.util.stream.Collectors.toSet()), "nothing is replaced");
        assertTrue(d.with(Change.CREATE).containsAll(nodeSteps(joining, false)), d.with(Change.CREATE).toString());
        assertEquals(Change.SAME, d.changes().get("cluster-identity"));
        assertEquals(Change.SAME, d.changes().get("cni-provider"));
        assertEquals(Change.SAME, d.changes().get("k8s-master1-kubeconfig"), "the CA hash and kubeconfig stay what they were");
        int firstDelete = d.ops().indexOf(d.ops().stream().filter(o -> o.kind() == Op.Kind.DELETE
                && !o.name().equals("cluster-readiness")).findFirst().orElseThrow());
        assertTrue(d.ops().subList(firstDelete, d.ops().size()).stream()
                        .allMatch(o -> o.kind() == Op.Kind.DELETE || o.name().equals("cluster-readiness")),
                "the new node joins and the acting steps move before anything of the leaving node goes: " + d.ops());
        return d;
    }

    @Test
    void growingTheControlPlaneLeavesTheOtherNodesJoinCredentialsAsTheyWere() {
        // A control-plane join's credentials run their script on any change of an input (pulumi-command v1.2.1
        // remote/commandController.go, Update: update, else create): a used token made valid again and the
        // certificates uploaded again. Their delete must not change with the control plane's size.
        ProgramRun three = ProgramRun.of(Stacks.raw("vagrant", controlPlane(M1, M2, M3)), Main::stack);
        ProgramRun five = ProgramRun.of(Stacks.raw("vagrant", controlPlane(M1, M2, M3, M4, M5)), Main::stack);
        for (String node : List.of("k8s-master2", "k8s-master3")) {
            assertEquals(three.inputs(node + "-credentials"), five.inputs(node + "-credentials"), node);
        }
    }

    @Test
    void namingTheInitNodeChangesOnlyProtectFlags() {
        Deployment d = Engine.change("vagrant", Map.of(), INIT_NODE_NAMED, false);
        assertEquals(List.of(), d.errors());
        assertEquals(List.of(), d.ops(), "nothing runs on any machine");
    }

    @Test
    void replacingTheInitNodeWithoutNamingItIsRefusedBeforeAnythingRuns() {
        Deployment d = Engine.change("vagrant", Map.of(), Map.of("controlPlaneNodes", "[\"" + M2 + "\",\"" + M3 + "\",\""
                + M4 + "\"]"), false);
        assertFalse(d.errors().isEmpty(), d.ops().toString());
        assertTrue(d.errors().get(0).contains("cluster-identity"), d.errors().toString());
        assertEquals(List.of(), d.ops());
    }

    @Test
    void replacingTheInitNodeInOneUpWithoutLiftingItsProtectionDeletesNothingOfIt() {
        // In one run: the state still protects its VM and init, so the engine refuses their delete at the end;
        // k8s-master4 has joined meanwhile, and a second run (the protection lifted by then) completes the removal.
        Deployment d = Engine.change("vagrant", Map.of(), controlPlane(M2, M3, M4), false);
        assertTrue(d.errors().stream().anyMatch(e -> e.contains("k8s-master1-init") && e.contains("protected")), d.errors().toString());
        assertFalse(d.errors().stream().anyMatch(e -> e.contains("cluster-identity")), d.errors().toString());
    }

    @Test
    void aFullRotationReplacesEachNodeInTurnAndNothingElse() {
        Map<String, String> original = controlPlane(M1, M2, M3);
        Map<String, String> first = controlPlane(M2, M3, M4);
        Map<String, String> second = controlPlane(M3, M4, M5);
        Map<String, String> third = controlPlane(M4, M5, M6);

        // The leaving node was the acting member each time: its cluster-wide scheduling step goes too (a new one,
        // named after the new acting member, runs once there; the old one has no delete).
        Set<String> leaving1 = without(nodeSteps("k8s-master1", true), "k8s-master1-kubeconfig");
        leaving1.add("k8s-master1-scheduling");
        Deployment d1 = stage(original, first, leaving1, "k8s-master4");
        // The acting member moves from k8s-master1 to k8s-master2: the steps run there for the others are updated
        // in place (their connection); k8s-master2's upgrade becomes the one that runs kubeadm upgrade apply.
        assertTrue(d1.with(Change.UPDATE).containsAll(Set.of("k8s-worker1-credentials", "k8s-worker1-drain",
                "k8s-worker1-cordon", "k8s-worker1-uncordon", "k8s-master3-credentials", "k8s-master3-drain",
                "k8s-master2-upgrade", "control-plane-members")), d1.with(Change.UPDATE).toString());
        assertEquals(Change.CREATE, d1.changes().get("k8s-master2-scheduling"), "the cluster-wide steps are its now");
        List<Op> ops = d1.ops();
        assertTrue(ops.indexOf(new Op(Op.Kind.DELETE, "k8s-master1-drain")) < ops.indexOf(new Op(Op.Kind.DELETE, "k8s-master1-init")),
                "the acting member removes its etcd member and Node before the node's own teardown");
        assertTrue(ops.indexOf(new Op(Op.Kind.CREATE, "control-plane-members")) < 0
                && ops.indexOf(new Op(Op.Kind.UPDATE, "control-plane-members")) < ops.indexOf(new Op(Op.Kind.CREATE, "k8s-master4-join")),
                "the membership check runs before k8s-master4 joins");

        stage(first, second, withScheduling("k8s-master2"), "k8s-master5");
        Deployment d3 = stage(second, third, withScheduling("k8s-master3"), "k8s-master6");
        assertTrue(d3.with(Change.UPDATE).contains("k8s-worker5-credentials"), "the workers' steps move to k8s-master4");
    }

    @Test
    void aPreviewOfTheReplacementShowsNoReplacementOfThePodNetwork() {
        Deployment d = Engine.change("vagrant", controlPlane(M1, M2, M3), controlPlane(M2, M3, M4), true);
        assertEquals(List.of(), d.errors());
        assertNotEquals(Change.REPLACE, d.changes().get("cni-provider"));
        assertNotEquals(Change.REPLACE, d.changes().get("cni-flannel"));
        assertEquals(Change.SAME, d.changes().get("cluster-identity"));
        assertFalse(d.with(Change.REPLACE).stream().anyMatch(n -> n.startsWith("k8s-worker") || n.startsWith("k8s-master2")
                || n.startsWith("k8s-master3")), "no other node's step is shown replaced: " + d.with(Change.REPLACE));
    }
}
