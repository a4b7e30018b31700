package dev.kubeha;

import dev.kubeha.components.ClusterIdentity;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.engine.Change;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import dev.kubeha.engine.EngineModel;
import dev.kubeha.engine.Op;
import dev.kubeha.plan.PlanReport;
import dev.kubeha.plan.Planner;
import dev.kubeha.plan.Recorder;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.render.RemoteShell;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.render.etcd.EtcdScripts;
import dev.kubeha.render.kubeadm.NodeScripts;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

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
    void everyEtcdCertificateIsCheckedDailyOneNodeAtATimeFromTheEtcdCaInTheState() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES)), Main.stackOn(Engine.DAY));
        String previous = "k8s-etcd3-etcd-upgrade";  // after the etcd nodes' upgrades, one node at a time
        for (String n : ETCD) {
            Registration check = run.get(n + "-etcd-certificates");
            assertEquals("etcd", check.parent());
            assertEquals(run.inputs(n + "-prepare").get("connection"), check.inputs().get("connection"), "on the node itself");
            assertTrue(run.dependenciesOf(n + "-etcd-certificates").contains(previous), n + " after " + previous);
            assertTrue(run.isSecretInput(n + "-etcd-certificates", "stdin"), "its stdin carries the etcd CA key");
            String stdin = String.valueOf(check.inputs().get("stdin"));
            assertTrue(stdin.contains("# ---- etcd/certificates.sh ----") && stdin.contains("ETCD_CA_KEY='RkFLRS1FVENELUNBLUtFWQ=='")
                    && stdin.contains("RENEW_DAYS='30'") && stdin.contains("CHECKED_ON='2026-12-07'"), n);
            assertTrue(stdin.contains("KEEP_CA_KEY='" + n.equals("k8s-etcd1") + "'"), "only the CA node keeps the key: " + n);
            previous = n + "-etcd-certificates";
        }
        previous = "k8s-master3-uncordon";
        for (String m : List.of("k8s-master1", "k8s-master2", "k8s-master3")) {
            assertTrue(run.dependenciesOf(m + "-certificates").contains(previous), m + " after " + previous);
            Registration client = run.get(m + "-etcd-client-certificate");
            assertEquals("control-plane", client.parent());
            assertTrue(run.dependenciesOf(m + "-etcd-client-certificate").contains(m + "-certificates"), m);
            assertTrue(run.isSecretInput(m + "-etcd-client-certificate", "stdin"), m);
            String stdin = String.valueOf(client.inputs().get("stdin"));
            assertTrue(stdin.contains("# ---- etcd/client-certificate.sh ----") && stdin.contains("KEEP_CA_KEY='false'"), m);
            assertFalse(stdin.contains("external:"), "kubeadm knows the etcd client certificate only with a local etcd");
            previous = m + "-etcd-client-certificate";
        }
        assertTrue(run.find("k8s-worker1-etcd-client-certificate").isEmpty());
        assertTrue(RUN.find("k8s-master1-etcd-client-certificate").isPresent());
        ProgramRun stacked = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main.stackOn(Engine.DAY));
        assertFalse(names(stacked).stream().anyMatch(n -> n.endsWith("-etcd-certificates") || n.endsWith("-etcd-client-certificate")),
                "stacked etcd: kubeadm's renewal on the control plane covers etcd");
        ProgramRun off = ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES, "certificateRenewalDays", "0")),
                Main.stackOn(Engine.DAY));
        assertFalse(names(off).stream().anyMatch(n -> n.contains("certificate")), "certificateRenewalDays: 0 turns them off");
    }

    @Test
    void theNextDayRunsTheCertificateChecksAgainAndNothingElse() {
        Deployment nextDay = Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), Map.of(), true,
                UnaryOperator.identity(), Engine.DAY.plusDays(1));
        assertEquals(List.of(), nextDay.errors());
        Set<String> expected = new HashSet<>();
        for (String m : List.of("k8s-master1", "k8s-master2", "k8s-master3")) {
            expected.addAll(List.of(m + "-certificates", m + "-etcd-client-certificate"));
        }
        ETCD.forEach(n -> expected.add(n + "-etcd-certificates"));
        assertEquals(expected, nextDay.touched());
        assertEquals(Set.of(), nextDay.with(Change.REPLACE));
        assertEquals(Set.of(), Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), Map.of(), true,
                UnaryOperator.identity(), Engine.DAY).touched(), "a re-run on the same day runs nothing");
    }

    /**
     * A new kubeha whose etcd/client.sh differs updates {@code <first>-etcd-client} in place: it runs again on a live
     * cluster (and keeps a renewed client certificate: ExternalEtcdCertificatesTest), and nothing is replaced.
     */
    @Test
    void aChangedEtcdClientScriptUpdatesItsStepInPlaceOnALiveCluster() {
        Deployment up = Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), Map.of(), false,
                Engine.scriptsChangedAfter("# ---- etcd/client.sh ----"));
        assertEquals(List.of(), up.errors());
        assertEquals(Set.of("k8s-master1-etcd-client"), up.touched());
        assertEquals(Change.UPDATE, up.changes().get("k8s-master1-etcd-client"));
        assertEquals(Set.of(), up.with(Change.REPLACE));
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
        assertTrue(text.contains("k8s-etcd1-etcd-members"), "the membership check is in the plan: " + text);
        assertEquals(0.0, plan.step("k8s-etcd1-etcd-members").end() - plan.step("k8s-etcd1-etcd-members").start(),
                "it runs nothing on a new cluster");
        assertFalse(text.contains("RkFLRS1FVENELUNBLUtFWQ"), "no secret in the plan");
        assertTrue(text.contains("the external etcd's too, from the etcd CA in the stack's state: each etcd node's "
                + "(<node>-etcd-certificates"), text);
        assertTrue(text.contains("k8s-etcd3-etcd-certificates") && text.contains("k8s-master3-etcd-client-certificate"), text);
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

    @Test
    void beforeAnyEtcdNodeJoinsOrLeavesTheFirstEtcdNodeChecksEtcdsMembershipWhenEtcdNodesChanges() {
        Registration check = RUN.get("k8s-etcd1-etcd-members");
        assertEquals("etcd", check.parent());
        assertTrue(RUN.inputs("k8s-etcd1-etcd-members").get("create") == null, "nothing to read when the cluster is new");
        assertTrue(RUN.inputs("k8s-etcd1-etcd-members").get("update") != null, "it runs when etcdNodes changes");
        String script = stdin("k8s-etcd1-etcd-members");
        assertTrue(script.contains("# ---- etcd/membership.sh ----"), "the control plane's check, one script");
        assertTrue(script.contains("FIELD='kubeha:etcdNodes'"), script);
        assertTrue(script.contains("MEMBERS='k8s-etcd1=192.168.56.30 k8s-etcd2=192.168.56.31 k8s-etcd3=192.168.56.32'"), script);
        assertTrue(script.contains("# ---- etcd/members-etcd-node.sh ----") && !script.contains("kubectl_admin"),
                "etcd's members read from the etcd nodes, not through the API");
        for (String n : ETCD) {
            assertTrue(RUN.dependenciesOf(n + "-etcd-member").contains("k8s-etcd1-etcd-members"), n);
        }
        String otherMembers = EtcdNodeScripts.membership(Stacks.config("vagrant", Map.of("etcdNodes",
                "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd4=192.168.56.33\",\"k8s-etcd3=192.168.56.32\"]")));
        assertFalse(otherMembers.equals(script), "a new etcdNodes list is a new script: the check runs (an update)");
        String delete = String.valueOf(RUN.inputs("k8s-etcd2-etcd-member").get("delete"));
        assertTrue(delete.contains("etcd_removal_keeps_quorum \"$NODE_NAME\""), "the removal checks quorum again");
        assertFalse(names(RUN).contains("control-plane-members"), "control-plane nodes hold no member to check");
    }

    @Test
    void replacingAnEtcdNodeRunsTheCheckBeforeTheNewMemberJoinsAndBeforeTheOldOneLeaves() {
        Deployment d = Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), Map.of("etcdNodes",
                "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd3=192.168.56.32\",\"k8s-etcd4=192.168.56.33\"]"), false);
        assertEquals(List.of(), d.errors());
        List<Op> ops = d.ops();
        int check = ops.indexOf(new Op(Op.Kind.UPDATE, "k8s-etcd1-etcd-members"));
        assertTrue(check >= 0, "the check runs (an update: a new etcdNodes list is a new script): " + ops);
        assertTrue(check < ops.indexOf(new Op(Op.Kind.CREATE, "k8s-etcd4-etcd-member")), "before the new member joins");
        assertTrue(check < ops.indexOf(new Op(Op.Kind.DELETE, "k8s-etcd2-etcd-member")), "before the old member leaves");
        assertTrue(ops.indexOf(new Op(Op.Kind.CREATE, "k8s-etcd4-etcd-member"))
                < ops.indexOf(new Op(Op.Kind.DELETE, "k8s-etcd2-etcd-member")), "3 -> 4 -> 3 members");
        assertFalse(d.with(Change.REPLACE).contains("k8s-etcd1-etcd-members"), d.with(Change.REPLACE).toString());
    }

    /**
     * The etcd node that made the etcd CA is replaced as the node that ran kubeadm init is: one run names it
     * (etcdCaNode, nothing runs), the next replaces it. Its {@code -etcd-ca} step stays as the CA's record (the same
     * URN, nothing runs, the CA in the state is the one every member and API server keeps using), the membership check
     * runs on the new first node before the new member joins, and the cluster's identity stays. Without etcdCaNode the
     * same change is refused through cluster-identity ({@link #aLiveClusterNeitherMovesBetweenStackedAndExternalEtcdNorLosesItsEtcdCaNode}).
     */
    @Test
    void theEtcdNodeThatMadeTheCaIsReplacedOnceEtcdCaNodeNamesItAndItsCaStays() {
        Map<String, String> named = Map.of("etcdNodes", ETCD_NODES, "etcdCaNode", "k8s-etcd1");
        Deployment naming = Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), named, false);
        assertEquals(List.of(), naming.errors());
        assertEquals(List.of(), naming.ops(), "naming it runs nothing on any machine");

        Map<String, String> replaced = Map.of("etcdNodes",
                "[\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\",\"k8s-etcd4=192.168.56.33\"]", "etcdCaNode", "k8s-etcd1");
        Deployment d = Engine.change("vagrant", named, replaced, false);
        assertEquals(List.of(), d.errors());
        assertEquals(Change.SAME, d.changes().get("cluster-identity"));
        assertEquals(Change.SAME, d.changes().get("k8s-etcd1-etcd-ca"), "the CA's record: no CA is made again");
        assertFalse(d.deleted().contains("k8s-etcd1-etcd-ca"), d.deleted().toString());
        List<Op> ops = d.ops();
        int check = ops.indexOf(new Op(Op.Kind.UPDATE, "k8s-etcd1-etcd-members"));
        assertTrue(check >= 0, "the membership check runs, now on k8s-etcd2: " + ops);
        int joins = ops.indexOf(new Op(Op.Kind.CREATE, "k8s-etcd4-etcd-member"));
        int leaves = ops.indexOf(new Op(Op.Kind.DELETE, "k8s-etcd1-etcd-member"));
        assertTrue(check < joins && joins < leaves, "check, then the new member joins, then the old one leaves: " + ops);
        assertTrue(d.with(Change.DELETE).containsAll(List.of("k8s-etcd1-vm", "k8s-etcd1-prepare", "k8s-etcd1-etcd-member")),
                d.with(Change.DELETE).toString());
        assertTrue(ops.stream().noneMatch(o -> o.name().endsWith("-etcd-ca")), "no CA step runs anywhere: " + ops);
        assertEquals(Change.SAME, d.changes().get("k8s-master1-etcd-client"), "the API servers keep their client certificate");

        ProgramRun after = ProgramRun.of(Stacks.raw("vagrant", replaced), Main::stack);
        assertTrue(String.valueOf(after.inputs("k8s-etcd1-etcd-members").get("connection")).contains("FAKE-k8s-etcd2"),
                "the check runs on k8s-etcd2 now: " + after.inputs("k8s-etcd1-etcd-members").get("connection"));
        String record = String.valueOf(after.inputs("k8s-etcd1-etcd-ca").get("stdin"));
        assertTrue(record.contains("CA_NODE='k8s-etcd1'") && record.contains("this stack has no etcd CA made by $CA_NODE")
                && !record.contains("kubeadm init phase certs"),
                "were the record ever created (a wrong etcdCaNode), it fails instead of making a CA: " + record);
        assertTrue(String.valueOf(after.inputs("k8s-etcd4-etcd-member").get("stdin")).contains("FIRST='false'"),
                "no node keeps the CA key once its maker has left");
    }

    @Test
    void theIdentityKeepsItsEtcdCaKeeperWhenTheInitNodeLeavesAndDropsItOnlyWhenTheCaNodeLeaves() {
        Map<String, String> whole = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of("etcdNodes", ETCD_NODES)));
        Map<String, String> initLeft = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of("etcdNodes", ETCD_NODES,
                "controlPlaneInitNode", "k8s-master1", "controlPlaneNodes",
                "[\"k8s-master2=192.168.56.11\",\"k8s-master3=192.168.56.12\",\"k8s-master4=192.168.56.13\"]")));
        assertEquals(whole.get("externalEtcd"), initLeft.get("externalEtcd"), "the init node's departure leaves it: " + initLeft);
        Map<String, String> caLeft = ClusterIdentity.keepers(Stacks.config("vagrant", Map.of("etcdCaNode", "k8s-etcd1", "etcdNodes",
                "[\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\",\"k8s-etcd4=192.168.56.33\"]")));
        assertFalse(caLeft.containsKey("externalEtcd"), "absent, and ignored (its old value kept): " + caLeft);
    }

    @Test
    void etcdCaNodeNamesAnEtcdNodeOfAnExternalEtcd() {
        List<String> stacked = dev.kubeha.config.ClusterConfigParser.parse(Stacks.raw("vagrant", Map.of("etcdCaNode", "k8s-etcd1")))
                .errors().stream().map(Object::toString).toList();
        assertEquals(List.of("kubeha:etcdCaNode: is set but etcdNodes is empty; etcdCaNode names the etcd node that made the"
                + " etcd CA of an external etcd: leave it empty with stacked etcd"), stacked);
        List<String> otherRole = dev.kubeha.config.ClusterConfigParser.parse(Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES,
                "etcdCaNode", "k8s-master1"))).errors().stream().map(Object::toString).toList();
        assertTrue(otherRole.stream().anyMatch(e -> e.startsWith("kubeha:etcdCaNode: 'k8s-master1' is a ")),
                "a control-plane node made no etcd CA: " + otherRole);
    }

    static final List<String> MASTERS = List.of("k8s-master1", "k8s-master2", "k8s-master3");
    /** k8s-etcd2 (.31) replaced by k8s-etcd4 at a new address (.33). */
    static final String ETCD2_MOVED = "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd3=192.168.56.32\",\"k8s-etcd4=192.168.56.33\"]";

    /**
     * kubeadm's configuration names the etcd nodes (etcd-endpoints, on the acting member, once every member is healthy
     * and before any control-plane node joins with it), then each API server moves to them, one node at a time, last of
     * the steps that restart API servers (after the daily certificate checks), before a restore moves the manifests.
     */
    @Test
    void theApiServersFollowTheEtcdNodesFromKubeadmsConfigurationThenOneNodeAtATime() {
        Registration endpoints = RUN.get("etcd-endpoints");
        assertEquals("control-plane", endpoints.parent());
        assertTrue(String.valueOf(RUN.inputs("etcd-endpoints").get("connection")).contains("FAKE-k8s-master1"),
                "on the cluster's acting member: " + RUN.inputs("etcd-endpoints").get("connection"));
        List<String> after = RUN.dependenciesOf("etcd-endpoints");
        assertTrue(after.containsAll(ETCD.stream().map(n -> n + "-etcd-member").toList()), "every member first: " + after);
        assertTrue(after.contains("k8s-master1-kubeconfig"), after.toString());
        String kubeadmConfig = stdin("etcd-endpoints");
        assertTrue(kubeadmConfig.contains("# ---- etcd/kubeadm-config.sh ----"), kubeadmConfig);
        assertTrue(kubeadmConfig.contains("ENDPOINTS='https://192.168.56.30:2379 https://192.168.56.31:2379 https://192.168.56.32:2379'"));
        assertTrue(kubeadmConfig.contains("ENDPOINTS_PATCH='{\"etcd\":{\"external\":{\"endpoints\":[\"https://192.168.56.30:2379\","
                + "\"https://192.168.56.31:2379\",\"https://192.168.56.32:2379\"]}}}'"), kubeadmConfig);
        assertTrue(RUN.dependenciesOf("k8s-master2-credentials").contains("etcd-endpoints"),
                "a control-plane node joins with the etcd nodes' current addresses");
        assertTrue(RUN.inputs("etcd-endpoints").get("create") != null, "runs when created: an older stack is repaired");
        for (String m : MASTERS) {
            assertTrue(RUN.dependenciesOf(m + "-cordon").contains("etcd-endpoints"),
                    "kubeadm upgrade reads and uploads kubeadm-config again: never at the same time as etcd-endpoints");
        }

        // The last of the daily certificate checks: the last control-plane node's etcd client certificate.
        String previous = "k8s-master3-etcd-client-certificate";
        for (String m : MASTERS) {
            Registration step = RUN.get(m + "-etcd-servers");
            assertEquals("control-plane", step.parent());
            List<String> waits = RUN.dependenciesOf(m + "-etcd-servers");
            assertTrue(waits.contains(previous), m + " after " + previous + ": " + waits);
            String script = stdin(m + "-etcd-servers");
            assertTrue(script.contains("ETCD_SERVERS='https://192.168.56.30:2379,https://192.168.56.31:2379,https://192.168.56.32:2379'"),
                    script);
            assertTrue(script.contains("# ---- loadbalancer/backend.sh ----") && script.contains("LB_ADDRESSES="),
                    "drained from the load balancers around the restart");
            assertTrue(String.valueOf(RUN.inputs(m + "-etcd-servers").get("connection")).contains("FAKE-" + m), "on " + m);
            previous = m + "-etcd-servers";
        }
        assertTrue(RUN.dependenciesOf("k8s-master1-etcd-servers").contains("etcd-endpoints"));

        ProgramRun stacked = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        assertFalse(names(stacked).stream().anyMatch(n -> n.equals("etcd-endpoints") || n.endsWith("-etcd-servers")),
                "stacked etcd: each API server uses its own node's member");

        Planner.Plan plan = Planner.plan("vagrant", Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES)), Main::stack);
        String text = PlanReport.text(plan);
        assertTrue(text.contains("etcd-endpoints") && text.contains("k8s-master2-etcd-servers"), text);
        assertTrue(plan.step("etcd-endpoints").end() <= plan.step("k8s-master2-join").start(), "before the joins");
        assertTrue(plan.step("k8s-master1-etcd-servers").end() <= plan.step("k8s-master2-etcd-servers").start());
        assertTrue(plan.step("etcd-endpoints").durationKnown() && plan.step("k8s-master3-etcd-servers").durationKnown());
    }

    /**
     * An etcd node replaced by one at a new address: the new member joins, kubeadm's configuration and then every API
     * server, one at a time, move to the new list, and only then does the old member leave (the engine runs the
     * deletes of what left the program at the end of the run). A second run changes nothing.
     */
    @Test
    void anEtcdNodeAtANewAddressJoinsThenEveryApiServerMovesToItThenTheOldMemberLeaves() {
        Deployment d = Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), Map.of("etcdNodes", ETCD2_MOVED), false);
        assertEquals(List.of(), d.errors());
        List<Op> ops = d.ops();
        int joins = ops.indexOf(new Op(Op.Kind.CREATE, "k8s-etcd4-etcd-member"));
        int config = ops.indexOf(new Op(Op.Kind.UPDATE, "etcd-endpoints"));
        int leaves = ops.indexOf(new Op(Op.Kind.DELETE, "k8s-etcd2-etcd-member"));
        assertTrue(joins >= 0 && config > joins, "kubeadm-config names the new member once it joined: " + ops);
        int last = config;
        for (String m : MASTERS) {
            int moved = ops.indexOf(new Op(Op.Kind.UPDATE, m + "-etcd-servers"));
            assertTrue(moved > last, m + " moves after the previous step: " + ops);
            last = moved;
        }
        assertTrue(last < leaves, "every API server moved before the old member leaves: " + ops);
        assertFalse(d.with(Change.REPLACE).stream().anyMatch(n -> n.endsWith("-etcd-servers") || n.equals("etcd-endpoints")),
                d.with(Change.REPLACE).toString());
        String moved = String.valueOf(ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdNodes", ETCD2_MOVED)), Main::stack)
                .inputs("k8s-master2-etcd-servers").get("stdin"));
        assertTrue(moved.contains("ETCD_SERVERS='https://192.168.56.30:2379,https://192.168.56.32:2379,https://192.168.56.33:2379'"),
                moved);

        Planner.Plan plan = Planner.change("vagrant", Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES)),
                Stacks.raw("vagrant", Map.of("etcdNodes", ETCD2_MOVED)), Main::stack);
        for (String m : MASTERS) {
            Planner.Step step = plan.step(m + "-etcd-servers");
            assertEquals(60.0, step.end() - step.start(), m + ": the plan shows each API server's restart");
        }
        assertTrue(plan.step("k8s-master1-etcd-servers").end() <= plan.step("k8s-master2-etcd-servers").start());

        Deployment again = Engine.change("vagrant", Map.of("etcdNodes", ETCD2_MOVED), Map.of(), false);
        assertEquals(List.of(), again.ops(), "a second run changes nothing");
        Deployment sameAddress = Engine.change("vagrant", Map.of("etcdNodes", ETCD_NODES), Map.of("etcdNodes",
                "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd4=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]"), false);
        assertEquals(List.of(), sameAddress.errors());
        assertTrue(sameAddress.opsOn(java.util.Set.of("etcd-endpoints", "k8s-master1-etcd-servers", "k8s-master2-etcd-servers",
                "k8s-master3-etcd-servers")).isEmpty(), "a node replaced at its own address moves no API server: " + sameAddress.ops());
        assertTrue(sameAddress.ops().stream().noneMatch(o -> o.name().startsWith("k8s-master")),
                "nor touches the control plane: " + sameAddress.ops());
    }

    /**
     * A stack made by a kubeha without these steps: its first {@code pulumi up} after the update creates them (each
     * checks, and moves an API server left on old addresses), and runs nothing else; the URNs it had stay.
     */
    @Test
    void aStackMadeBeforeTheseStepsGetsThemInItsNextRunAndNothingElseRuns() {
        Map<String, String> config = Map.of("etcdNodes", ETCD_NODES);
        List<Registration> older = Engine.up("vagrant", config).registrations().stream()
                .filter(r -> !r.name().equals("etcd-endpoints") && !r.name().endsWith("-etcd-servers")).toList();
        EngineModel model = new EngineModel("vagrant", older, false, new ClusterMocks());
        Recorder.record("vagrant", Stacks.pulumiConfig(Stacks.raw("vagrant", config)), model, false, Main.stackOn(Engine.DAY));
        Deployment d = model.finish();
        assertEquals(List.of(), d.errors());
        assertEquals(List.of(new Op(Op.Kind.CREATE, "etcd-endpoints"), new Op(Op.Kind.CREATE, "k8s-master1-etcd-servers"),
                new Op(Op.Kind.CREATE, "k8s-master2-etcd-servers"), new Op(Op.Kind.CREATE, "k8s-master3-etcd-servers")), d.ops());
    }

    @Test
    void etcdRestoreFromStopsTheApiServersRestoresEveryEtcdNodeThenStartsThemAgain() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES, "etcdRestoreFrom", "/root/etcd.db")),
                Main::stack);
        List<String> masters = List.of("k8s-master1", "k8s-master2", "k8s-master3");
        List<String> restores = names(run).stream().filter(n -> n.contains("restore")).toList();
        assertTrue(restores.containsAll(List.of("k8s-etcd1-etcd-restore", "k8s-etcd2-etcd-restore", "k8s-etcd3-etcd-restore",
                "etcd-restored")), restores.toString());
        assertFalse(restores.stream().anyMatch(n -> n.startsWith("k8s-master") && n.endsWith("-etcd-restore")),
                "control-plane nodes hold no member: " + restores);
        for (String m : masters) {
            assertEquals("control-plane", run.get(m + "-restore-api-stop").parent());
            assertTrue(run.dependenciesOf(m + "-restore-api-stop").containsAll(List.of("k8s-master1-init", "k8s-master3-join",
                    "k8s-master3-etcd-client-certificate", "k8s-etcd3-etcd-certificates", "k8s-master3-etcd-servers")),
                    "after the daily certificate checks and the moves to new etcd endpoints, which change the same manifests"
                    + " or wait for the members");
            assertTrue(String.valueOf(run.inputs(m + "-restore-api-stop").get("stdin")).contains("ACTION='stop'"));
            ClusterConfig restoring = Stacks.config("vagrant", Map.of("etcdNodes", ETCD_NODES, "etcdRestoreFrom", "/root/etcd.db"));
            Node node = restoring.controlPlane().stream().filter(n -> n.name().equals(m)).findFirst().orElseThrow();
            assertEquals(RemoteShell.runAsRoot(EtcdScripts.restoreApiServer(restoring, node, "release")),
                    run.inputs(m + "-restore-api-stop").get("delete"),
                    "removing etcdRestoreFrom after a failed restore starts the control plane again");
            assertTrue(run.dependenciesOf("k8s-etcd1-etcd-restore").contains(m + "-restore-api-stop"),
                    "every API server stops before any etcd node restores");
            assertTrue(run.dependenciesOf(m + "-restore-api-start").contains("etcd-restored"), m);
            assertTrue(String.valueOf(run.inputs(m + "-restore-api-start").get("stdin")).contains("ACTION='start'"));
        }
        for (String n : ETCD) {
            assertEquals("etcd", run.get(n + "-etcd-restore").parent());
            String script = String.valueOf(run.inputs(n + "-etcd-restore").get("stdin"));
            assertTrue(script.contains("SNAPSHOT_PATH='/root/etcd.db'"), n);
            assertTrue(script.contains("INITIAL_CLUSTER='k8s-etcd1=https://192.168.56.30:2380,k8s-etcd2=https://192.168.56.31:2380,"
                    + "k8s-etcd3=https://192.168.56.32:2380'"), "the etcd nodes' membership: " + n);
        }
        assertTrue(run.dependenciesOf("k8s-etcd1-etcd-restore").containsAll(ETCD.stream().map(n -> n + "-etcd-member").toList()));
        assertTrue(run.dependenciesOf("k8s-etcd2-etcd-restore").contains("k8s-etcd1-etcd-restore"));
        assertTrue(run.dependenciesOf("k8s-etcd3-etcd-restore").contains("k8s-etcd2-etcd-restore"));
        assertTrue(run.dependenciesOf("etcd-restored").containsAll(List.of("k8s-etcd3-etcd-restore", "k8s-etcd1-vm")),
                "it waits on the first etcd node: " + run.dependenciesOf("etcd-restored"));
        String restored = String.valueOf(run.inputs("etcd-restored").get("stdin"));
        assertTrue(restored.contains("API_PORT=''") && restored.contains("MEMBERS='3'"), restored);

        Planner.Plan plan = Planner.plan("vagrant", Stacks.raw("vagrant", Map.of("etcdNodes", ETCD_NODES,
                "etcdRestoreFrom", "/root/etcd.db")), Main::stack);
        assertEquals(List.of(), plan.errors());
        assertTrue(plan.step("k8s-master1-restore-api-stop").end() <= plan.step("k8s-etcd1-etcd-restore").start());
        assertTrue(plan.step("etcd-restored").end() <= plan.step("k8s-master2-restore-api-start").start());
        assertTrue(plan.step("k8s-master2-restore-api-start").durationKnown());
        assertTrue(PlanReport.text(plan).contains("k8s-master3-restore-api-start"));
    }

    @Test
    void anotherSnapshotStopsAndStartsTheApiServersAgainAroundTheRestore() {
        EtcdBackupWiringTest.everyRestoreStepChangesWithTheSnapshot(Map.of("etcdNodes", ETCD_NODES));
    }
}
