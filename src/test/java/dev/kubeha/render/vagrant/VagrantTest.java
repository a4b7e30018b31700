package dev.kubeha.render.vagrant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kubeha.Main;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.plan.Recorder;
import dev.kubeha.scripts.ShellcheckTest;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.CommandProvider;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Vagrantfile and the local commands that create and destroy VMs, run as the command provider runs them
 * ({@link CommandProvider.Local}) with the inputs the program registers, against a stub vagrant that, like vagrant,
 * refuses a machine the Vagrantfile does not define (it asks the real vagrant/kubeha_nodes.rb).
 */
class VagrantTest {
    static final ClusterConfig CONFIG = Stacks.vagrant();
    static final ProgramRun PROGRAM = ProgramRun.of(Stacks.raw("vagrant", Map.of()), Main::stack);
    static final String STACK_ID = ClusterMocks.hex("vagrant-stack-id", java.util.Map.of("byteLength", 4.0));
    private final List<Path> temp = new ArrayList<>();

    @AfterEach
    void removeTemp() throws IOException {
        for (Path dir : temp) {
            deleteTree(dir);
        }
    }

    /** The inputs of {@code <node>-vm} as the program registers them. */
    static CommandProvider.Inputs vm(ProgramRun program, String node) {
        return CommandProvider.Inputs.of(program.inputs(node + "-vm"));
    }

    @Test
    void vagrantValidatesTheShippedVagrantfileWithTheMachinesTheProgramHandsOver() throws Exception {
        assumeTrue(Netns.onPath("vagrant"), "vagrant is not installed (apt-get install vagrant)");
        Path dotfiles = machinesOf(PROGRAM);
        Netns.Result r = Netns.exec("sh", "-c", "cd vagrant && VAGRANT_DOTFILE_PATH='" + dotfiles + "' vagrant validate --ignore-provider");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Vagrantfile validated successfully"), r.output());
    }

    @Test
    void theVagrantfileDefinesExactlyTheMachinesOfTheStack() throws Exception {
        assumeTrue(Netns.onPath("ruby"), "ruby is not installed (apt-get install ruby)");
        Path dotfiles = machinesOf(PROGRAM);
        Netns.Result r = Netns.exec("ruby", "-rjson", "-e",
                "require './vagrant/kubeha_nodes'; puts JSON.generate(KubehaNodes.load(ARGV[0]))", dotfiles.toString());
        assertEquals(0, r.exitCode(), r.output());
        List<String> fromVagrant = new ArrayList<>();
        for (JsonNode n : new ObjectMapper().readTree(r.output())) {
            fromVagrant.add(n.path("name").asText() + " " + n.path("address").asText() + "/" + n.path("prefix_length").asInt()
                    + " " + n.path("cpus").asInt() + " " + n.path("memory").asInt() + " " + n.path("box").asText()
                    + " " + n.path("vm_prefix").asText());
        }
        List<String> fromStack = CONFIG.allNodes().stream().map(n -> n.name() + " " + n.address() + "/" + CONFIG.vipPrefixLength()
                + " " + CONFIG.vagrant().sizeOf(n.role()).cpus() + " " + CONFIG.vagrant().sizeOf(n.role()).memoryMiB()
                + " " + CONFIG.vagrant().box() + " kubeha-" + STACK_ID + "-").sorted().toList();
        assertEquals(fromStack, fromVagrant);
    }

    @Test
    void scriptsAreGoldenAndShellcheckClean() {
        Node master1 = CONFIG.controlPlane().get(0);
        String up = VagrantCommands.up(CONFIG, master1, STACK_ID);
        String destroy = VagrantCommands.destroy(CONFIG, master1, STACK_ID);
        assertEquals(up, vm(PROGRAM, master1.name()).create());
        assertEquals(destroy, vm(PROGRAM, master1.name()).delete().orElseThrow());
        Golden.assertMatches("VagrantTest", "up-k8s-master1.sh", up);
        Golden.assertMatches("VagrantTest", "destroy-k8s-master1.sh", destroy);
        ShellcheckTest.assertRenderedScriptClean("up", up);
        ShellcheckTest.assertRenderedScriptClean("destroy", destroy);
    }

    @Test
    void theVmCommandsAreBashAndRunUnderBashNotTheProvidersDefaultSh() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        CommandProvider.Inputs inputs = vm(PROGRAM, "k8s-master1");
        assertEquals(VagrantCommands.INTERPRETER, inputs.interpreter());
        assertTrue(run(project(), inputs).ok(), "runs under the interpreter the program sets");
        CommandProvider.Run underSh = run(project(), inputs.interpreter(List.of()));
        assertFalse(underSh.ok(), "/bin/sh (dash) cannot run the VM scripts: " + underSh.rawStderr());
    }

    @Test
    void upBringsOneVmUpInTheStacksOwnVagrantDirectoryAndPrintsItsSshDetails() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        Path project = project();
        CommandProvider.Run r = run(project, vm(PROGRAM, "k8s-master1"));
        assertTrue(r.ok(), r.error().orElse(""));
        String dotfiles = VagrantCommands.dotfilePath(STACK_ID);
        assertEquals(List.of("vagrant up k8s-master1 --provider virtualbox " + dotfiles,
                "vagrant ssh-config k8s-master1 " + dotfiles), calls(project));
        assertTrue(Files.exists(lock(project)), "vagrant up runs under a lock, beside Vagrant's own per-user data");
        Path definition = project.resolve("vagrant/" + dotfiles + "/kubeha-machines/k8s-master1.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(definition)));
        SshDetails ssh = VagrantCommands.parseSshDetails(r.state().stdout());
        assertEquals(new SshDetails("127.0.0.1", 2222, "vagrant", ClusterMocks.privateKey("k8s-master1")), ssh);
        assertFalse(ssh.toString().contains("PRIVATE KEY"), "the key never shows in toString");
        assertFalse(r.env().containsKey("PULUMI_COMMAND_STDOUT"), "the VM's key is never in vagrant's environment");
    }

    @Test
    void aRemovedNodesVmIsDestroyedFromTheCommandsStoredInputsAlone() throws Exception {
        assumeTrue(Netns.onPath("flock") && Netns.onPath("ruby"), "flock or ruby is not installed");
        Path project = project();
        CommandProvider.Run created = run(project, vm(PROGRAM, "k8s-worker1"));
        assertTrue(created.ok(), created.error().orElse(""));
        // A fresh checkout or a removed definition: nothing on disk knows the machine, no stack file is read.
        deleteTree(project.resolve("vagrant/" + VagrantCommands.dotfilePath(STACK_ID) + "/kubeha-machines"));
        Files.delete(project.resolve("calls.log"));
        CommandProvider.Run deleted = local(project, Map.of()).delete(created.state()).orElseThrow();
        assertTrue(deleted.ok(), deleted.rawStderr());
        assertTrue(calls(project).contains("vagrant destroy -f k8s-worker1 " + VagrantCommands.dotfilePath(STACK_ID)), calls(project).toString());
        assertFalse(Files.exists(project.resolve("vagrant/" + VagrantCommands.dotfilePath(STACK_ID) + "/kubeha-machines/k8s-worker1.json")));
    }

    @Test
    void aVmThatIsGoneCountsAsDestroyed() throws Exception {
        assumeTrue(Netns.onPath("flock") && Netns.onPath("ruby"), "flock or ruby is not installed");
        Path project = project();
        CommandProvider.Run created = run(project, vm(PROGRAM, "k8s-worker1"));
        Files.delete(project.resolve("calls.log"));
        CommandProvider.Run gone = local(project, Map.of("STUB_STATE", "not_created")).delete(created.state()).orElseThrow();
        assertTrue(gone.ok(), gone.error().orElse(""));
        assertFalse(String.join("\n", calls(project)).contains("destroy"));
    }

    @Test
    void theVmCommandsDoNotDependOnTheStackNameAndTwoStacksDoNotShareVms() throws Exception {
        Recorder.Recording renamed = Recorder.record("renamed", Stacks.pulumiConfig(Stacks.raw("vagrant", Map.of())),
                new ClusterMocks(), Main::stack);
        for (Recorder.Registration r : renamed.registrations()) {
            if (r.type().equals("pulumi:pulumi:Stack")) {
                continue;  // the stack itself, renamed by the engine with everything under it
            }
            assertEquals(PROGRAM.inputs(r.name()), new LinkedHashMap<>(r.inputs()), r.name() + ": pulumi stack rename changes nothing");
        }

        Node master1 = CONFIG.controlPlane().get(0);
        String other = "0badf00d";
        assertNotEquals(VagrantCommands.up(CONFIG, master1, STACK_ID), VagrantCommands.up(CONFIG, master1, other));
        assertTrue(VagrantCommands.machine(CONFIG, master1, other).contains("\"vm_prefix\":\"kubeha-0badf00d-\""));
        assertTrue(VagrantCommands.up(CONFIG, master1, other).contains("STACK_ID='0badf00d'"));
    }

    @Test
    void aBoxUrlStaysSecretInStateArgvAndOutput() throws Exception {
        assumeTrue(Netns.onPath("flock") && Netns.onPath("ruby"), "flock or ruby is not installed");
        String url = "https://user:CANARY-box-token@boxes.example/ubuntu.box";
        ProgramRun program = ProgramRun.of(Stacks.raw("vagrant", Map.of("vagrantBoxUrl", url)), Main::stack);
        assertTrue(program.isSecretInput("k8s-master1-vm", "stdin"), "the machine definition is a secret");
        assertTrue(program.isSecretInput("k8s-master1-vm", "triggers"), "the triggers hold the URL: a secret");
        CommandProvider.Inputs inputs = vm(program, "k8s-master1");
        assertFalse(inputs.create().contains("CANARY") || inputs.delete().orElseThrow().contains("CANARY"), "not on a command line");
        Path project = project();
        CommandProvider.Run r = run(project, inputs);
        assertTrue(r.ok(), r.error().orElse(""));
        assertFalse(r.rawStderr().contains("CANARY") || r.rawStdout().contains("CANARY"), r.rawStderr());
        assertFalse(String.join(" ", r.argv()).contains("CANARY") || r.env().toString().contains("CANARY"));
    }

    @Test
    void upWaitsForAnotherStacksVagrantCommandAsLongAsItRunsAndSaysWhich() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        Path project = project();
        Path lock = lock(project);
        Files.createDirectories(lock.getParent());
        Files.writeString(Path.of(lock + ".holder"), "4242 (k8s-master1 of stack 0badf00d in /elsewhere/vagrant)\n");
        // Longer than any former fixed wait would matter here; what counts is that it waits, then runs.
        Process holder = new ProcessBuilder("flock", lock.toString(), "sleep", "3").start();
        try {
            Thread.sleep(300);
            CommandProvider.Run r = run(project, vm(PROGRAM, "k8s-worker1"));
            assertTrue(r.ok(), r.rawStderr());
            assertFalse(holder.isAlive(), "vagrant up ran only once the other command had finished");
            assertTrue(r.rawStderr().contains("kubeha: k8s-worker1 waits for the vagrant lock, held by process 4242 "
                    + "(k8s-master1 of stack 0badf00d in /elsewhere/vagrant)"), r.rawStderr());
            assertTrue(calls(project).contains("vagrant up k8s-worker1 --provider virtualbox " + VagrantCommands.dotfilePath(STACK_ID)));
            assertTrue(Files.readString(Path.of(lock + ".holder")).contains("(k8s-worker1 of stack " + STACK_ID + " in "),
                    "the holder names itself for whoever waits next");
        } finally {
            holder.destroy();
            holder.waitFor();
        }
    }

    @Test
    void onLibvirtOnlyTheFirstVmTakesTheLockTheOthersBootAlongside() throws Exception {
        assumeTrue(Netns.onPath("flock"), "flock (util-linux) is not installed");
        ProgramRun libvirt = ProgramRun.of(Stacks.raw("vagrant", Map.of("vagrantProvider", "libvirt")), Main::stack);
        ClusterConfig config = Stacks.config("vagrant", Map.of("vagrantProvider", "libvirt"));
        Node first = config.allNodes().get(0);
        for (Node n : config.allNodes()) {
            assertEquals(n.equals(first), vm(libvirt, n.name()).create().contains("\nLOCK=true\n"), n.name());
            assertEquals(n.equals(first), vm(libvirt, n.name()).delete().orElseThrow().contains("\nLOCK=true\n"), n.name());
        }
        for (Node n : CONFIG.allNodes()) {
            assertTrue(vm(PROGRAM, n.name()).create().contains("\nLOCK=true\n"), "every VirtualBox VM: " + n.name());
        }
        Path project = project();
        Files.createDirectories(lock(project).getParent());
        Process holder = new ProcessBuilder("flock", lock(project).toString(), "sleep", "30").start();
        try {
            Thread.sleep(300);
            CommandProvider.Run r = run(project, vm(libvirt, "k8s-worker1"));
            assertTrue(r.ok(), r.rawStderr());
            assertTrue(holder.isAlive(), "k8s-worker1 booted while another command held the lock");
            assertFalse(r.rawStderr().contains("waits for the vagrant lock"), r.rawStderr());
            assertEquals("vagrant up k8s-worker1 --provider libvirt " + VagrantCommands.dotfilePath(STACK_ID), calls(project).get(0));
        } finally {
            holder.destroy();
            holder.waitFor();
        }
    }

    @Test
    void withoutFlockADirectoryIsTheLock() throws Exception {
        Path project = project();
        CommandProvider.Run r = runWithoutFlock(project, vm(PROGRAM, "k8s-master1"));
        assertTrue(r.ok(), r.error().orElse(""));
        String dotfiles = VagrantCommands.dotfilePath(STACK_ID);
        assertEquals(List.of("vagrant up k8s-master1 --provider virtualbox " + dotfiles, "vagrant ssh-config k8s-master1 " + dotfiles),
                calls(project));
        assertFalse(Files.exists(Path.of(lock(project) + ".d")), "the lock is released");
    }

    @Test
    void withoutFlockALiveHolderIsWaitedForAndAGoneOneTakenOver() throws Exception {
        CommandProvider.Inputs inputs = vm(PROGRAM, "k8s-worker1");
        Path held = project();
        Path lock = Files.createDirectories(Path.of(lock(held) + ".d"));
        Process running = new ProcessBuilder("sleep", "3").start();
        try {
            Files.writeString(lock.resolve("holder"), running.pid() + " (k8s-master1 of stack 0badf00d in /elsewhere/vagrant)\n");
            CommandProvider.Run waited = runWithoutFlock(held, inputs);
            assertTrue(waited.ok(), waited.rawStderr());
            assertFalse(running.isAlive(), "vagrant up did not run while a live process held the lock");
            assertTrue(waited.rawStderr().contains("k8s-worker1 waits for the vagrant lock, held by process " + running.pid()
                    + " (k8s-master1 of stack 0badf00d in /elsewhere/vagrant)"), waited.rawStderr());
            assertTrue(calls(held).contains("vagrant up k8s-worker1 --provider virtualbox " + VagrantCommands.dotfilePath(STACK_ID)));
        } finally {
            running.destroy();
            running.waitFor();
        }

        Path stale = project();
        Process gone = new ProcessBuilder("true").start();
        assertEquals(0, gone.waitFor());
        Files.writeString(Files.createDirectories(Path.of(lock(stale) + ".d")).resolve("holder"), gone.pid() + " (k8s-master2 of stack 0badf00d in /x)\n");
        CommandProvider.Run takenOver = runWithoutFlock(stale, inputs);
        assertTrue(takenOver.ok(), takenOver.rawStderr());
        assertTrue(takenOver.rawStderr().contains("taking over the vagrant lock of process " + gone.pid() + " (k8s-master2"), takenOver.rawStderr());
        assertFalse(takenOver.rawStderr().contains("waits for"), "a holder that is gone is not waited for");
        assertTrue(calls(stale).contains("vagrant up k8s-worker1 --provider virtualbox " + VagrantCommands.dotfilePath(STACK_ID)));
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

    // ---- the stand-in for the user's machine --------------------------------------------------------------

    /** A project copy: the real vagrant/ helper, a stub vagrant on PATH that logs its calls, a VM key file. */
    private Path project() throws IOException {
        Path project = Files.createTempDirectory("kubeha-vagrant-");
        temp.add(project);
        Path vagrantDir = Files.createDirectories(project.resolve("vagrant"));
        Files.copy(Path.of("vagrant/kubeha_nodes.rb"), vagrantDir.resolve("kubeha_nodes.rb"));
        Path bin = Files.createDirectories(project.resolve("bin"));
        Path key = Files.createDirectories(project.resolve("keys dir")).resolve("private key");
        Files.writeString(key, ClusterMocks.privateKey("k8s-master1"));
        Path vagrant = bin.resolve("vagrant");
        Files.writeString(vagrant, "#!/usr/bin/env bash\n"
                + "echo \"vagrant $* ${VAGRANT_DOTFILE_PATH#\"$PWD\"/}\" >>" + project.resolve("calls.log") + "\n"
                + "name=''; for a in \"${@:2}\"; do case \"$a\" in -*) ;; *) name=\"$a\"; break;; esac; done\n"
                // Like vagrant: a machine the Vagrantfile does not define is an error.
                + "if command -v ruby >/dev/null; then ruby -e 'require ARGV[0]; exit(KubehaNodes.load(ENV.fetch(\"VAGRANT_DOTFILE_PATH\"))"
                + ".any? { |m| m[\"name\"] == ARGV[1] })' \"$PWD/kubeha_nodes.rb\" \"$name\" || { echo \"The machine with the name '$name' "
                + "was not found configured for this Vagrant environment.\" >&2; exit 1; }; fi\n"
                + "case \"$1\" in\n"
                + "  up) echo \"Downloading: $(grep -o '\"box_url\":\"[^\"]*' \"$VAGRANT_DOTFILE_PATH/kubeha-machines/$2.json\")\";;\n"
                + "  ssh-config) printf 'Host %s\\n  HostName 127.0.0.1\\n  User vagrant\\n  Port 2222\\n  UserKnownHostsFile /dev/null\\n"
                + "  IdentityFile \"%s\"\\n  IdentitiesOnly yes\\n' \"$2\" '" + key + "';;\n"
                + "  status) echo \"1,$2,state,${STUB_STATE:-running}\";;\n"
                + "esac\n");
        Files.setPosixFilePermissions(vagrant, PosixFilePermissions.fromString("rwxr-xr-x"));
        return project;
    }

    /** Pulumi's environment on the user's machine, run from the project root. */
    private static CommandProvider.Local local(Path project, Map<String, String> env) {
        return local(project, "/usr/bin:/bin", env);
    }

    private static CommandProvider.Local local(Path project, String path, Map<String, String> env) {
        Map<String, String> pulumi = new LinkedHashMap<>(env);
        pulumi.put("PATH", project.resolve("bin") + ":" + path);
        pulumi.put("HOME", project.toString());
        return new CommandProvider.Local(pulumi, (argv, e, stdin, dir) ->
                CommandProvider.start(argv, e, stdin, dir.or(() -> java.util.Optional.of(project))));
    }

    private static CommandProvider.Run run(Path project, CommandProvider.Inputs inputs) {
        return local(project, Map.of()).create(inputs);
    }

    /** The same on a PATH of the basic tools only, without flock (as on macOS). */
    private static CommandProvider.Run runWithoutFlock(Path project, CommandProvider.Inputs inputs) throws IOException {
        Path tools = Files.createDirectories(project.resolve("tools"));
        for (String tool : List.of("env", "bash", "mkdir", "cat", "rm", "mv", "sleep", "awk", "grep", "ruby")) {
            Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + tool)).filter(Files::isExecutable).findFirst()
                    .ifPresent(real -> link(tools.resolve(tool), real));
        }
        return local(project, tools.toString(), Map.of()).create(inputs);
    }

    private static void link(Path link, Path target) {
        try {
            Files.createSymbolicLink(link, target);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The vagrant lock in the stand-in user's home (the commands' HOME is the project copy). */
    private static Path lock(Path project) {
        return project.resolve(".vagrant.d/kubeha-vagrant.lock");
    }

    private static List<String> calls(Path project) throws IOException {
        return Files.readAllLines(project.resolve("calls.log"));
    }

    /** A stack's Vagrant directory holding the machine definition of every VM the program registers. */
    private Path machinesOf(ProgramRun program) throws IOException {
        Path dotfiles = Files.createTempDirectory("kubeha-vagrant-dotfiles-");
        temp.add(dotfiles);
        Path machines = Files.createDirectories(dotfiles.resolve("kubeha-machines"));
        for (Node n : CONFIG.allNodes()) {
            Files.writeString(machines.resolve(n.name() + ".json"), vm(program, n.name()).stdin());
        }
        return dotfiles;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
