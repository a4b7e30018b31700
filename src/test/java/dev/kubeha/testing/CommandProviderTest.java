package dev.kubeha.testing;

import dev.kubeha.render.NodeScript;
import dev.kubeha.render.RemoteShell;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider model against what pulumi-command v1.2.1 does (see {@link CommandProvider} for the sources). */
class CommandProviderTest {
    static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

    @Test
    void aDeleteOnAMachineThatIsGoneFailsAfterItsDialsAndRunsNothing() {
        CommandProvider.Remote gone = new CommandProvider.Remote(new CommandProvider.Unreachable("10.0.10.11", 5));
        CommandProvider.State state = new CommandProvider.State(
                CommandProvider.Inputs.create("true").delete("touch /should-not-run"), "out", "");
        CommandProvider.Run run = gone.delete(state).orElseThrow();
        assertFalse(run.ok());
        assertFalse(run.ran(), "no session was opened");
        assertEquals("after 5 failed attempts: dial tcp 10.0.10.11:22: i/o timeout", run.error().orElseThrow());
        assertEquals(state, run.state(), "the resource keeps its state: it stays in the stack");
    }

    @Test
    void localRunsShDashCUnlessAnInterpreterIsSet() {
        CommandProvider.Local local = new CommandProvider.Local(ENV);
        String bashism = "set -o pipefail; x=$(cat <<<hello); echo \"$x\"";
        CommandProvider.Run sh = local.create(CommandProvider.Inputs.create(bashism));
        assertEquals(List.of("/bin/sh", "-c", bashism), sh.argv());
        assertFalse(sh.ok(), "/bin/sh is dash here: " + sh.rawStdout());
        CommandProvider.Run bash = local.create(CommandProvider.Inputs.create(bashism).interpreter(List.of("/usr/bin/env", "bash", "-c")));
        assertTrue(bash.ok(), bash.error().orElse(""));
        assertEquals("hello", bash.state().stdout(), "one trailing newline is trimmed");
    }

    @Test
    void updateFallsBackToCreateWithThePreviousOutputsInTheEnvironmentUnlessTurnedOff() {
        CommandProvider.Local local = new CommandProvider.Local(ENV);
        CommandProvider.Inputs in = CommandProvider.Inputs.create("echo \"run ${PULUMI_COMMAND_STDOUT:-none}\"");
        CommandProvider.Run created = local.create(in);
        assertEquals("run none", created.state().stdout());
        CommandProvider.Run updated = local.update(created.state(), in);
        assertEquals("run run none", updated.state().stdout());
        assertEquals("run none", local.update(created.state(), in.addPreviousOutputInEnv(false)).state().stdout());
    }

    @Test
    void deleteRunsWithTheStoredInputsStdinIncluded() {
        CommandProvider.Local local = new CommandProvider.Local(ENV);
        CommandProvider.Inputs in = CommandProvider.Inputs.create("cat >/dev/null").stdin("stored\n")
                .environment(Map.of("WHO", "old")).delete("echo \"$WHO $(cat)\"");
        CommandProvider.Run created = local.create(in);
        CommandProvider.Run deleted = local.delete(created.state()).orElseThrow();
        assertEquals("old stored", deleted.state().stdout());
    }

    @Test
    void aFailingCommandsErrorCarriesItsWholeOutput() {
        CommandProvider.Run r = new CommandProvider.Local(ENV).create(CommandProvider.Inputs.create("echo out; echo err >&2; exit 3"));
        assertEquals("exit status 3: running \"echo out; echo err >&2; exit 3\":\nout\nerr\n", r.error().orElseThrow());
    }

    @Test
    void remoteCommandsRunUnderTheLoginShellAndTheServerRefusesUnacceptedVariables() {
        CommandProvider.Remote remote = new CommandProvider.Remote(new CommandProvider.ProcessSshServer(ENV));
        CommandProvider.Run bashism = remote.create(CommandProvider.Inputs.create("[[ -n x ]] && echo yes"));
        assertFalse(bashism.ok(), "dash has no [[");
        CommandProvider.Run env = remote.create(CommandProvider.Inputs.create("true").environment(Map.of("FOO", "1")));
        assertTrue(env.error().orElseThrow().contains("could not set environment variable \"FOO\""));
        CommandProvider.Run first = remote.create(CommandProvider.Inputs.create("echo hi"));
        CommandProvider.Run again = remote.update(first.state(), CommandProvider.Inputs.create("echo \"${PULUMI_COMMAND_STDOUT:-unset}\""));
        assertEquals("unset", again.state().stdout(), "PULUMI_COMMAND_STDOUT is refused by AcceptEnv: a warning only");
        assertEquals(1, again.warnings().size());
    }

    @Test
    void aCommandWithOnlyAnUpdateOpensNoSessionOnCreationAndRunsItsNewStdinWhenThatChanges() {
        List<String> sessions = new java.util.ArrayList<>();
        CommandProvider.ProcessSshServer node = new CommandProvider.ProcessSshServer(ENV);
        CommandProvider.Remote remote = new CommandProvider.Remote((command, setenv, stdin) -> {
            sessions.add(command + " <<< " + stdin);
            return node.session(command, setenv, stdin);
        });
        CommandProvider.Inputs v1 = CommandProvider.Inputs.updateOnly("cat").stdin("upgrade to 1.33\n").addPreviousOutputInEnv(false);
        CommandProvider.Run created = remote.create(v1);
        assertTrue(created.ok() && !created.ran(), "created without a session");
        assertEquals(List.of(), sessions);
        CommandProvider.Run upgraded = remote.update(created.state(), v1.stdin("upgrade to 1.34\n"));
        assertEquals("upgrade to 1.34", upgraded.state().stdout(), "the update command with the new stdin");
        assertEquals(List.of("cat <<< upgrade to 1.34\n"), sessions);
        assertTrue(remote.delete(upgraded.state()).isEmpty(), "no delete command: nothing runs");
    }

    @Test
    void aStepsTeardownNeverReadsTheCreateScriptTheProviderSendsItAgain() {
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("reader", "cat");
        ScriptHarness.Run r = h.delete("reader\n", "TOKEN=secret-value\n");
        assertEquals("TOKEN=secret-value\n", r.provider().stdin(), "the provider sends the stored stdin to the delete");
        assertEquals(0, r.exitCode(), r.stderr());
        assertFalse(r.stdout().contains("secret-value"), r.stdout());
    }

    @Test
    void aStepsScriptRunsToTheEndWhenOneOfItsCommandsReadsStdin() throws Exception {
        // bash -s reads the script from stdin as it runs it: a command that reads stdin would eat the rest.
        ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU).stub("eater", "cat >/dev/null")
                .stub("openssl", "cat >/dev/null 2>&1; echo 'SHA2-256(stdin)= ab'");
        String script = NodeScript.render("kubeadm/kubeconfig.sh", Map.of()).replace("cat \"$own\"", "eater\necho done");
        Path kubernetes = Files.createDirectories(h.root().resolve("etc/kubernetes/pki")).getParent();
        Files.writeString(kubernetes.resolve("admin.conf"), "x");
        Files.writeString(kubernetes.resolve("kubeha-admin.conf"), "x");  // made on the first run: this one only reads
        Files.writeString(h.root().resolve("etc/kubernetes/pki/ca.crt"), "x");
        ScriptHarness.Run r = h.run(script);
        assertEquals(List.of(CommandProvider.ProcessSshServer.LOGIN_SHELL, "-c", RemoteShell.RUN_STDIN_AS_ROOT), r.provider().argv());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("KUBEHA_CA_CERT_HASH=sha256:ab\ndone\n", r.stdout());
    }
}
