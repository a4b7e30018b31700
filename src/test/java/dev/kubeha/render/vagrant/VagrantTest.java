package dev.kubeha.render.vagrant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.scripts.ShellcheckTest;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Vagrantfile and the local commands that create and destroy VMs. */
class VagrantTest {
    static final ClusterConfig CONFIG = Stacks.vagrant();

    @Test
    void vagrantValidatesTheShippedVagrantfile() {
        assumeTrue(Netns.onPath("vagrant"), "vagrant is not installed (apt-get install vagrant)");
        Netns.Result r = Netns.exec("sh", "-c", "cd vagrant && KUBEHA_STACK=vagrant vagrant validate --ignore-provider");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Vagrantfile validated successfully"), r.output());
    }

    @Test
    void vagrantfileAndStackAgreeOnEveryMachine() throws Exception {
        assumeTrue(Netns.onPath("ruby"), "ruby is not installed (apt-get install ruby)");
        Netns.Result r = Netns.exec("ruby", "-rjson", "-e",
                "require './vagrant/kubeha_nodes'; puts JSON.generate(KubehaNodes.load('.', 'vagrant'))");
        assertEquals(0, r.exitCode(), r.output());
        JsonNode vagrant = new ObjectMapper().readTree(r.output());
        List<String> fromVagrant = new ArrayList<>();
        for (JsonNode n : vagrant.path("nodes")) {
            fromVagrant.add(n.path("name").asText() + " " + n.path("address").asText() + " " + n.path("role").asText()
                    + " " + n.path("cpus").asInt() + " " + n.path("memory").asInt());
        }
        List<String> fromStack = CONFIG.allNodes().stream().map(n -> n.name() + " " + n.address() + " " + n.role().label()
                + " " + CONFIG.vagrant().sizeOf(n.role()).cpus() + " " + CONFIG.vagrant().sizeOf(n.role()).memoryMiB()).toList();
        assertEquals(fromStack, fromVagrant);
        assertEquals(CONFIG.vagrant().box(), vagrant.path("box").asText());
        assertEquals(CONFIG.vagrant().provider(), vagrant.path("provider").asText());
        assertEquals(CONFIG.vipPrefixLength(), vagrant.path("prefix_length").asInt());
    }

    @Test
    void scriptsAreGoldenAndShellcheckClean() {
        Node master1 = CONFIG.controlPlane().get(0);
        String up = VagrantCommands.up(CONFIG, master1, "vagrant");
        String destroy = VagrantCommands.destroy(CONFIG, master1, "vagrant");
        Golden.assertMatches("VagrantTest", "up-k8s-master1.sh", up);
        Golden.assertMatches("VagrantTest", "destroy-k8s-master1.sh", destroy);
        ShellcheckTest.assertRenderedScriptClean("up", up);
        ShellcheckTest.assertRenderedScriptClean("destroy", destroy);
    }

    /** Runs a local script from a project copy with a stubbed vagrant that logs its calls. */
    static Netns.Result runWithStubbedVagrant(Path project, String script) throws Exception {
        return runWithStubbedVagrant(project, script, "/usr/bin:/bin");
    }

    /** The same on a PATH of the basic tools only, without flock (as on macOS). */
    static Netns.Result runWithoutFlock(Path project, String script) throws Exception {
        Path tools = Files.createDirectories(project.resolve("tools"));
        for (String tool : List.of("bash", "mkdir", "cat", "rm", "sleep", "awk", "grep")) {
            Path real = Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + tool)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError(tool + " not found"));
            Files.createSymbolicLink(tools.resolve(tool), real);
        }
        return runWithStubbedVagrant(project, script, tools.toString());
    }

    static Netns.Result runWithStubbedVagrant(Path project, String script, String path) throws Exception {
        Path bin = Files.createDirectories(project.resolve("bin"));
        Path key = Files.createDirectories(project.resolve("keys dir")).resolve("private key");
        Files.writeString(key, ClusterMocks.privateKey("k8s-master1"));
        Path vagrant = bin.resolve("vagrant");
        Files.writeString(vagrant, "#!/usr/bin/env bash\necho \"vagrant $* KUBEHA_STACK=$KUBEHA_STACK\" >>" + project.resolve("calls.log") + "\n"
                + "case \"$1\" in\n"
                + "  ssh-config) printf 'Host %s\\n  HostName 127.0.0.1\\n  User vagrant\\n  Port 2222\\n  UserKnownHostsFile /dev/null\\n"
                + "  IdentityFile \"%s\"\\n  IdentitiesOnly yes\\n' \"$2\" '" + key + "';;\n"
                + "  status) echo \"1,$2,state,${STUB_STATE:-running}\";;\n"
                + "esac\n");
        Files.setPosixFilePermissions(vagrant, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(project.resolve("vagrant"));
        Path file = project.resolve("script.sh");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", file.toString()).directory(project.toFile())
                .redirectError(project.resolve("stderr").toFile());
        pb.environment().put("PATH", bin + ":" + path);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Netns.Result(p.exitValue(), out);
    }

    @Test
    void upBringsOneVmUpUnderTheLockAndPrintsItsSshDetails() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        Path project = Files.createTempDirectory("kubeha-vagrant-");
        Netns.Result r = runWithStubbedVagrant(project, VagrantCommands.up(CONFIG, CONFIG.controlPlane().get(0), "vagrant"));
        assertEquals(0, r.exitCode(), r.output());
        List<String> calls = Files.readAllLines(project.resolve("calls.log"));
        assertEquals(List.of("vagrant up k8s-master1 --provider virtualbox KUBEHA_STACK=vagrant",
                "vagrant ssh-config k8s-master1 KUBEHA_STACK=vagrant"), calls);
        assertTrue(Files.exists(project.resolve("vagrant/.vagrant/kubeha-vagrant.lock")), "vagrant up runs under a lock");
        SshDetails ssh = VagrantCommands.parseSshDetails(r.output());
        assertEquals(new SshDetails("127.0.0.1", 2222, "vagrant", ClusterMocks.privateKey("k8s-master1")), ssh);
        assertFalse(ssh.toString().contains("PRIVATE KEY"), "the key never shows in toString");
    }

    @Test
    void upWaitsForAnotherVagrantRunAndGivesUpClearly() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        Path project = Files.createTempDirectory("kubeha-vagrant-");
        Files.createDirectories(project.resolve("vagrant/.vagrant"));
        Process holder = new ProcessBuilder("flock", project.resolve("vagrant/.vagrant/kubeha-vagrant.lock").toString(), "sleep", "5").start();
        try {
            Thread.sleep(300);
            String script = VagrantCommands.up(CONFIG, CONFIG.workers().get(0), "vagrant").replace("LOCK_WAIT_SECONDS=3600", "LOCK_WAIT_SECONDS=1");
            Netns.Result r = runWithStubbedVagrant(project, script);
            assertNotEquals(0, r.exitCode());
            assertFalse(Files.exists(project.resolve("calls.log")), "vagrant up did not run while another held the lock");
        } finally {
            holder.destroy();
        }
    }

    @Test
    void withoutFlockADirectoryIsTheLock() throws Exception {
        Path project = Files.createTempDirectory("kubeha-vagrant-");
        Netns.Result r = runWithoutFlock(project, VagrantCommands.up(CONFIG, CONFIG.controlPlane().get(0), "vagrant"));
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(List.of("vagrant up k8s-master1 --provider virtualbox KUBEHA_STACK=vagrant",
                "vagrant ssh-config k8s-master1 KUBEHA_STACK=vagrant"), Files.readAllLines(project.resolve("calls.log")));
        assertFalse(Files.exists(project.resolve("vagrant/.vagrant/kubeha-vagrant.lock.d")), "the lock is released");
    }

    @Test
    void withoutFlockALiveHolderIsWaitedForAndAGoneOneTakenOver() throws Exception {
        String script = VagrantCommands.up(CONFIG, CONFIG.workers().get(0), "vagrant").replace("LOCK_WAIT_SECONDS=3600", "LOCK_WAIT_SECONDS=1");
        Path held = Files.createTempDirectory("kubeha-vagrant-");
        Path lock = Files.createDirectories(held.resolve("vagrant/.vagrant/kubeha-vagrant.lock.d"));
        Files.writeString(lock.resolve("pid"), ProcessHandle.current().pid() + "\n");
        Netns.Result waited = runWithoutFlock(held, script);
        assertNotEquals(0, waited.exitCode());
        assertFalse(Files.exists(held.resolve("calls.log")), "vagrant up did not run while a live process held the lock");
        assertTrue(Files.readString(held.resolve("stderr")).contains("waited 1s for another vagrant command in this project; giving up"));
        assertTrue(Files.exists(lock), "another's lock is left alone");

        Path stale = Files.createTempDirectory("kubeha-vagrant-");
        Process gone = new ProcessBuilder("true").start();
        assertEquals(0, gone.waitFor());
        Files.writeString(Files.createDirectories(stale.resolve("vagrant/.vagrant/kubeha-vagrant.lock.d")).resolve("pid"), gone.pid() + "\n");
        Netns.Result takenOver = runWithoutFlock(stale, script);
        assertEquals(0, takenOver.exitCode(), Files.readString(stale.resolve("stderr")));
        assertTrue(Files.readString(stale.resolve("stderr")).contains("taking over the vagrant lock of process " + gone.pid()));
        assertTrue(Files.readAllLines(stale.resolve("calls.log")).contains("vagrant up k8s-worker1 --provider virtualbox KUBEHA_STACK=vagrant"));
    }

    @Test
    void destroyIsToleratedForAVmThatDoesNotExist() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        Path project = Files.createTempDirectory("kubeha-vagrant-");
        Netns.Result gone = runWithStubbedVagrant(project, "export STUB_STATE=not_created\n"
                + VagrantCommands.destroy(CONFIG, CONFIG.workers().get(0), "vagrant"));
        assertEquals(0, gone.exitCode(), gone.output());
        assertFalse(String.join("\n", Files.readAllLines(project.resolve("calls.log"))).contains("destroy"));
        Netns.Result running = runWithStubbedVagrant(project, VagrantCommands.destroy(CONFIG, CONFIG.workers().get(0), "vagrant"));
        assertEquals(0, running.exitCode(), running.output());
        assertTrue(Files.readAllLines(project.resolve("calls.log")).contains("vagrant destroy -f k8s-worker1 KUBEHA_STACK=vagrant"));
    }

    @Test
    void sshDetailsWithoutAKeyAreRejected() {
        try {
            VagrantCommands.parseSshDetails("KUBEHA_SSH_HOST=1.2.3.4\nKUBEHA_SSH_USER=v\n");
            throw new AssertionError("expected a failure");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("no SSH details"));
        }
    }

    @Test
    void onlyBoxProviderAddressAndSizeReplaceAVm() {
        ClusterConfig bigger = Stacks.config("vagrant", Map.of("vagrantWorkerMemory", "4096"));
        Node w = CONFIG.workers().get(0);
        Node m = CONFIG.controlPlane().get(0);
        assertNotEquals(VagrantCommands.replaceTriggers(CONFIG, w), VagrantCommands.replaceTriggers(bigger, w));
        assertEquals(VagrantCommands.replaceTriggers(CONFIG, m), VagrantCommands.replaceTriggers(bigger, m));
    }
}
