package dev.kubeha;

import dev.kubeha.components.Machines;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.RawConfig;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How machines, connections, the CNI and the readiness gate are wired. */
class WiringTest {
    static final String REMOTE = "command:remote:Command";

    static ProgramRun existing(Map<String, String> extra) {
        Map<String, String> overrides = new java.util.HashMap<>(Map.of("sshPrivateKeyPath", "", "sshPrivateKey",
                "EXISTING-KEY", "bastionHost", "bastion.example.com", "bastionUser", "jump",
                "kubernetesApiProxy", "socks5://127.0.0.1:1080"));
        overrides.putAll(extra);
        ProgramRun run = ProgramRun.of(Stacks.raw("existing", overrides), Main::stack);
        assertEquals(0, run.result.exitCode(), () -> String.join("\n", run.result.errors()));
        return run;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> connection(Registration r) {
        return (Map<String, Object>) r.inputs().get("connection");
    }

    @Test
    void existingStackExampleIsValid() throws Exception {
        // Valid but for its key file, ~/.ssh/id_ed25519, which is the user's own (read when the config is checked).
        assertEquals(List.of(), ClusterConfigParser.parse(RawConfig.fromStackFile(Path.of("Pulumi.existing.yaml"))).errors()
                .stream().filter(e -> !e.path().equals("kubeha:sshPrivateKeyPath")).toList());
    }

    @Test
    void existingHostsUseTheConfiguredUserKeyAndBastionAndNoLocalCommand() {
        ProgramRun run = existing(Map.of());
        assertEquals(List.of(), run.ofType("command:local:Command"), "nothing is created on the user's machine");
        for (Registration r : run.ofType(REMOTE)) {
            Map<String, Object> c = connection(r);
            assertEquals("ubuntu", c.get("user"), r.name());
            assertEquals("EXISTING-KEY", c.get("privateKey"), r.name());
            // The stack's dial settings for the wait for the host, quick ones for its steps (SshDialingTest).
            boolean wait = r.name().endsWith("-reachable");
            assertEquals(wait ? 40 : Machines.STEP.errorLimit(), ((Number) c.get("dialErrorLimit")).intValue());
            assertEquals(wait ? 15 : Machines.STEP.perDialTimeoutSeconds(), ((Number) c.get("perDialTimeout")).intValue());
            @SuppressWarnings("unchecked")
            Map<String, Object> proxy = (Map<String, Object>) c.get("proxy");
            assertEquals("bastion.example.com", proxy.get("host"), r.name());
            assertEquals("jump", proxy.get("user"));
            assertTrue(run.isSecretInput(r.name(), "connection"), r.name() + ": the connection carries the key");
        }
        assertEquals("10.0.10.12", connection(run.get("cp2-join")).get("host"));
        assertEquals("10.0.10.11", connection(run.get("cp2-credentials")).get("host"), "credentials refresh on the first node");
        assertTrue(String.valueOf(run.get("cni-provider").inputs().get("kubeconfig")).contains("proxy-url: socks5://127.0.0.1:1080"),
                "the Kubernetes provider reaches the VIP through the tunnel the stack names");
    }

    @Test
    void aKeyFileIsReadAndAMissingOneStopsEverythingBeforeAnyResource() throws Exception {
        java.nio.file.Path key = java.nio.file.Files.createTempFile("kubeha-key", "");
        try {
            java.nio.file.Files.writeString(key, "KEY-FROM-FILE");
            ProgramRun ok = existing(Map.of("sshPrivateKey", "", "sshPrivateKeyPath", key.toString()));
            assertEquals("KEY-FROM-FILE", connection(ok.get("cp1-prepare")).get("privateKey"));
        } finally {
            java.nio.file.Files.delete(key);
        }
        ProgramRun missing = ProgramRun.of(Stacks.raw("existing", Map.of("sshPrivateKeyPath", "/nonexistent/key")), Main::stack);
        assertTrue(missing.result.exitCode() != 0);
        assertTrue(String.join("\n", missing.result.errors()).contains("kubeha:sshPrivateKeyPath: cannot read /nonexistent/key"),
                missing.result.errors().toString());
        assertEquals(List.of(), missing.registrations().stream().filter(r -> !r.type().equals("pulumi:pulumi:Stack")).toList());
    }

    @Test
    void vagrantConnectionsComeFromEachVmAndWaitForIt() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        for (Registration r : run.ofType(REMOTE)) {
            // The steps that act for another node or for the cluster run on the acting member (k8s-master1 here).
            String host = r.name().equals("cluster-readiness") || r.name().equals("control-plane-members")
                    || r.name().endsWith("-credentials") || r.name().endsWith("-drain") || r.name().endsWith("-tokens")
                    || r.name().endsWith("-cordon") || r.name().endsWith("-uncordon")
                    // ... never on the node acted on: k8s-master1's own drain, cordon and uncordon run on k8s-master2
                    ? (owner(r).equals("k8s-master1") ? "k8s-master2" : "k8s-master1") : owner(r);
            Map<String, Object> c = connection(r);
            assertEquals(ClusterMocks.privateKey(host), c.get("privateKey"), r.name() + " uses its own VM's key");
            assertEquals("vagrant", c.get("user"));
            assertTrue(run.dependenciesOf(r.name()).contains(host + "-vm"), r.name() + " waits for " + host + "-vm");
            assertTrue(run.isSecretInput(r.name(), "connection"), r.name());
        }
    }

    /** The step's owner: the node it belongs to (credentials and drain run elsewhere but belong to the joiner). */
    static String owner(Registration r) {
        return Stacks.vagrant().allNodes().stream().map(n -> n.name())
                .filter(n -> r.name().startsWith(n + "-")).findFirst()
                .orElse(r.name().substring(0, r.name().lastIndexOf('-')));
    }

    @Test
    void aRebuiltVmTearsDownAndRebuildsEverythingOnItAndItsMembership() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        for (Registration vm : run.ofType("command:local:Command")) {
            assertTrue(vm.deleteBeforeReplace(), vm.name() + ": a VM is known by its name, the old one goes first");
        }
        for (Registration r : run.ofType(REMOTE)) {
            assertTrue(r.deleteBeforeReplace(), r.name() + ": a node's old membership is torn down before the new one");
            List<String> triggers = r.propertyDependencies().getOrDefault("triggers", List.of());
            if (r.name().equals("cluster-readiness")) {
                assertEquals(10, triggers.stream().filter(t -> t.endsWith("-vm")).count(), "the gate runs again for any new VM");
                continue;
            }
            if (r.name().endsWith("-tokens")) {
                assertEquals(List.of("cluster-identity"), triggers,
                        "a token batch belongs to the cluster; a member's rebuilt record runs it again by its new id");
                continue;
            }
            if (r.name().equals("control-plane-members")) {
                assertEquals(List.of("cluster-identity"), triggers,
                        "the membership check belongs to the cluster, not to the machine of the member it runs on");
                continue;
            }
            assertTrue(triggers.contains(owner(r) + "-vm"), r.name() + " is rebuilt with " + owner(r) + "-vm: " + triggers);
            // ... and the etcd backup timer, which kubeadm reset (reset.sh) takes away with the membership.
            boolean membership = Stream.of("-credentials", "-join", "-drain", "-cordon", "-upgrade", "-uncordon", "-etcd-backup")
                    .anyMatch(r.name()::endsWith);
            assertEquals(membership || r.name().equals("k8s-master1-init") || r.name().equals("k8s-master1-kubeconfig"),
                    triggers.contains("cluster-identity"), r.name()
                    + ": init, the CA hash and kubeconfig read, joins and upgrades belong to the cluster; other steps only to their machine");
            assertFalse(triggers.contains("k8s-master1-init") || triggers.contains("k8s-master1-kubeconfig"), r.name()
                    + ": no trigger comes from a step's output (unknown in a preview when the step is updated)");
            assertTrue(r.replaceOnChanges().contains("triggers[*]"), r.name() + ": a changed trigger replaces the step");
        }
        @SuppressWarnings("unchecked")
        List<Object> workerJoin = (List<Object>) run.inputs("k8s-worker2-join").get("triggers");
        assertEquals(List.of(ClusterMocks.hex("cluster-identity", run.inputs("cluster-identity")), "k8s-worker2-vm-id"),
                workerJoin, "the cluster's identity and the machine's");
    }

    @Test
    void anExistingHostIsKnownByAnIdKeptWhileItsAddressStays() {
        ProgramRun run = existing(Map.of());
        Registration host = run.get("cp2-host");
        assertEquals(Map.of("address", "10.0.10.12"), host.inputs().get("keepers"));
        assertTrue(host.deleteBeforeReplace(), "the old host's steps are torn down before the new host's are built");
        assertEquals(List.of("cp2-host"), run.get("cp2-prepare").propertyDependencies().get("triggers"));
        assertEquals(List.of("cluster-identity", "cp2-host"), run.get("cp2-credentials").propertyDependencies().get("triggers"));
    }

    @Test
    void cniTalksToTheVipWithASecretKubeconfigAfterTheFirstControlPlaneNode() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        Registration provider = run.get("cni-provider");
        assertEquals("pulumi:providers:kubernetes", provider.type());
        String kubeconfig = (String) provider.inputs().get("kubeconfig");
        assertTrue(kubeconfig.contains("server: https://192.168.56.100:6443"), kubeconfig);
        assertFalse(kubeconfig.contains("192.168.56.10:6443"));
        assertTrue(run.isSecretInput("cni-provider", "kubeconfig"));
        Registration release = run.get("cni-flannel");
        assertEquals("kubernetes:helm.sh/v3:Release", release.type());
        assertTrue(run.dependenciesOf("cni-flannel").contains("cni-namespace"));
        assertTrue(run.dependenciesOf("cni-namespace").contains("k8s-master1-init"));
        assertTrue(run.dependenciesOf("cni-provider").contains("k8s-master1-init"));
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) release.inputs().get("values");
        assertEquals("10.244.0.0/16", values.get("podCidr"));
        assertEquals("v0.28.9", release.inputs().get("version"));
    }

    @Test
    void calicoIsTheAlternative() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of("cni", "calico")), Main::stack);
        Registration release = run.get("cni-calico");
        assertEquals("tigera-operator", release.inputs().get("chart"));
        assertTrue(release.inputs().get("values").toString().contains("192.168.56.0/24"));
    }

    @Test
    void readinessWaitsForEveryNodeAndTheCni() {
        ProgramRun run = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
        List<String> deps = run.dependenciesOf("cluster-readiness");
        assertTrue(deps.containsAll(List.of("k8s-master1-init", "k8s-master2-join", "k8s-master3-join", "k8s-worker1-join",
                "k8s-worker5-join", "cni-flannel")), deps.toString());
        String script = (String) run.inputs("cluster-readiness").get("stdin");
        assertTrue(script.contains("EXPECTED_NODES='k8s-master1 k8s-master2 k8s-master3 k8s-worker1 k8s-worker2 k8s-worker3 k8s-worker4 k8s-worker5'"), script);
        assertTrue(script.contains("API_ENDPOINTS='192.168.56.100:6443 192.168.56.5:6443 192.168.56.6:6443'"), script);
    }
}
