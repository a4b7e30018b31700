package dev.kubeha;

import dev.kubeha.components.ClusterIdentity;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.plan.PlanReport;
import dev.kubeha.plan.Planner;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.render.RemoteShell;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The external etcd topology (etcdNodes) in the program, under the SDK's mock engine. */
class ExternalEtcdWiringTest {
    static final String REMOTE = "command:remote:Command";
    static final String ETCD_NODES = "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]";
    static final List<String> ETCD = List.of("k8s-etcd1", "k8s-etcd2", "k8s-etcd3");
    static final ProgramRun RUN = ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES)), Main::stack);

    static List<String> names(ProgramRun run) {
        return run.ofType(REMOTE).stream().map(Registration::name).toList();
    }

    static String stdin(String name) {
        return String.valueOf(RUN.inputs(name).get("stdin"));
    }

    @Test
    void everyEtcdNodeIsAMachinePreparedThenItsMemberStartsFromTheFirstNodesCa() {
        for (String n : ETCD) {
            assertEquals("machines", RUN.get(n + "-vm").parent(), n);
            assertEquals("etcd", RUN.get(n + "-etcd-member").parent());
            assertTrue(RUN.dependenciesOf(n + "-etcd-member").containsAll(List.of(n + "-prepare", "k8s-etcd1-etcd-ca")), n);
            assertTrue(RUN.isSecretInput(n + "-etcd-member", "stdin"), "the member's stdin carries the etcd CA key");
            assertTrue(stdin(n + "-etcd-member").contains("ETCD_CA_KEY='RkFLRS1FVENELUNBLUtFWQ=='"));
            String delete = String.valueOf(RUN.inputs(n + "-etcd-member").get("delete"));
            assertTrue(delete.contains("member-remove.sh") && !delete.contains("RkFLRS1FVENELUNBLUtFWQ"), "the teardown carries no secret");
            assertTrue(RUN.dependenciesOf(n + "-etcd-backup").contains(n + "-etcd-member"), n + ": snapshots once a member");
            assertTrue(RUN.dependenciesOf(n + "-etcd-upgrade").containsAll(List.of(n + "-etcd-member", n + "-etcd-backup")));
        }
        // The members of a new cluster start together: none waits for another.
        assertFalse(RUN.dependenciesOf("k8s-etcd2-etcd-member").contains("k8s-etcd1-etcd-member"));
        // One upgrade at a time, in list order, and none runs when a node is created.
        assertTrue(RUN.dependenciesOf("k8s-etcd2-etcd-upgrade").contains("k8s-etcd1-etcd-upgrade"));
        assertTrue(RUN.dependenciesOf("k8s-etcd3-etcd-upgrade").contains("k8s-etcd2-etcd-upgrade"));
        assertTrue(RUN.inputs("k8s-etcd1-etcd-upgrade").get("create") == null, "only on a change of its script");

        List<String> cas = names(RUN).stream().filter(n -> n.endsWith("-etcd-ca")).toList();
        assertEquals(List.of("k8s-etcd1-etcd-ca"), cas, "one etcd CA, on the first etcd node");
        Registration ca = RUN.get("k8s-etcd1-etcd-ca");
        assertTrue(ca.protect(), "the step that holds the etcd CA is protected like kubeadm init");
        assertTrue(ca.additionalSecretOutputs().contains("stdout"), "its stdout (the CA key) is a secret");
        assertTrue(stdin("k8s-etcd1-prepare").contains("ROLE='etcd'"));
    }

    @Test
    void theControlPlaneInitialisesAgainstTheEtcdNodesWithTheClientCertificate() {
        List<String> init = RUN.dependenciesOf("k8s-master1-init");
        assertTrue(init.containsAll(ETCD.stream().map(n -> n + "-etcd-member").toList()), "init after every member: " + init);
        assertTrue(init.contains("k8s-master1-etcd-client"), init.toString());
        assertTrue(RUN.dependenciesOf("k8s-master1-etcd-client").contains("k8s-master1-prepare"));
        assertTrue(RUN.isSecretInput("k8s-master1-etcd-client", "stdin"));
        assertTrue(stdin("k8s-master1-etcd-client").contains("ETCD_CLIENT_KEY='RkFLRS1FVENELUNMSUVOVC1LRVk='"));
        String initScript = stdin("k8s-master1-init");
        assertTrue(initScript.contains("""
                etcd:
                  external:
                    endpoints:
                    - https://192.168.56.30:2379
                    - https://192.168.56.31:2379
                    - https://192.168.56.32:2379
                    caFile: /etc/kubernetes/pki/etcd/ca.crt
                    certFile: /etc/kubernetes/pki/apiserver-etcd-client.crt
                    keyFile: /etc/kubernetes/pki/apiserver-etcd-client.key
                """), initScript);
        // The joins download the external etcd's client certificate with the others (kubeadm's upload-certs).
        assertTrue(stdin("k8s-master2-credentials").contains("external:"));
        assertTrue(stdin("k8s-master2-join").contains("STACKED_ETCD='false'"));
    }

    @Test
    void controlPlaneNodesTakeNoSnapshotsAndUpgradeAfterTheEtcdNodes() {
        List<String> names = names(RUN);
        assertEquals(ETCD.stream().map(n -> n + "-etcd-backup").toList(),
                names.stream().filter(n -> n.endsWith("-etcd-backup")).sorted().toList(), "snapshots on the etcd nodes only");
        assertTrue(RUN.dependenciesOf("k8s-master1-cordon").contains("k8s-etcd3-etcd-upgrade"),
                "the control plane moves after etcd: " + RUN.dependenciesOf("k8s-master1-cordon"));
        assertTrue(stdin("k8s-master1-upgrade").contains("etcd/external-control-plane.sh"));
        ClusterConfig config = Stacks.config("vagrant", Map.of("etcdNodes", ETCD_NODES));
        String drain = NodeScripts.drain(config, config.controlPlane().get(1));
        assertEquals(RemoteShell.runAsRoot(drain), RUN.inputs("k8s-master2-drain").get("delete"));
        assertTrue(drain.contains("HOLDS_ETCD='false'"), "a control-plane node's removal takes no etcd member with it");
        assertTrue(drain.contains("CONTROL_PLANE='true'"), "but its API server leaves the load balancers first");
        assertTrue(RUN.dependenciesOf("cluster-readiness").containsAll(ETCD.stream().map(n -> n + "-etcd-member").toList()));
        assertFalse(names.stream().anyMatch(n -> n.startsWith("k8s-etcd") && (n.endsWith("-join") || n.endsWith("-init"))),
                "etcd nodes never join Kubernetes");
    }

    @Test
    void thePlanShowsTheEtcdNodesBeforeKubeadmInit() {
        Planner.Plan plan = Planner.plan("vagrant", Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES)), Main::stack);
        assertEquals(List.of(), plan.errors());
        String text = PlanReport.text(plan);
        assertTrue(text.contains("3 control-plane nodes, 3 etcd nodes (external etcd), 5 workers"), text);
        Planner.Step init = plan.step("k8s-master1-init");
        for (String n : ETCD) {
            Planner.Step member = plan.step(n + "-etcd-member");
            assertTrue(member.durationKnown() && member.end() > member.start(), n);
            assertTrue(member.end() <= init.start(), n + " is healthy before kubeadm init starts");
            assertTrue(text.contains(n + "-etcd-member"), text);
        }
        assertTrue(plan.step("k8s-etcd1-etcd-ca").end() <= plan.step("k8s-etcd2-etcd-member").start());
        assertFalse(text.contains("RkFLRS1FVENELUNBLUtFWQ"), "no secret in the plan");
    }

    @Test
    void aLiveClusterNeitherMovesBetweenStackedAndExternalEtcdNorLosesItsEtcdCaNode() {
        Map<String, String> stacked = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of()));
        Map<String, String> external = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of("etcdNodes", ETCD_NODES)));
        assertFalse(stacked.containsKey("externalEtcd"), "a stacked cluster's identity is what it was");
        assertEquals(stacked, external.entrySet().stream().filter(e -> !e.getKey().equals("externalEtcd"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertTrue(external.get("externalEtcd").startsWith("k8s-etcd1=192.168.56.30 vagrant sha256:"), external.toString());
        Map<String, String> otherCaNode = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of("etcdNodes",
                "[\"k8s-etcd4=192.168.56.33\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]")));
        assertFalse(otherCaNode.equals(external), "a new first etcd node (the etcd CA's) is a new cluster: refused while protected");
        Map<String, String> otherMember = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of("etcdNodes",
                "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd4=192.168.56.33\",\"k8s-etcd3=192.168.56.32\"]")));
        assertEquals(external, otherMember, "replacing another etcd node keeps the cluster");
    }
}
