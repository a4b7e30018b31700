package dev.kubeha;

import dev.kubeha.config.EngineConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar without arguments is the Pulumi program. Under the engine a config error is the list validate prints and
 * exit 1, before the SDK starts; outside the engine it is usage, not the SDK's stack trace.
 */
class ProgramStartTest {
    static final String NODES = "\"kubeha:vip\":\"192.168.56.100\","
            + "\"kubeha:loadBalancers\":\"[\\\"lb1=192.168.56.5\\\",\\\"lb2=192.168.56.6\\\"]\","
            + "\"kubeha:controlPlaneNodes\":\"[\\\"cp1=192.168.56.10\\\"]\"";
    static final String TYPOS = "{" + NODES + ",\"kubeha:workrs\":\"[]\",\"kubeha:kubernetesVersoin\":\"1.31\"}";
    static final String EXPECTED = """
            kubeha configuration has 2 errors (nothing was created or changed):
              - kubeha:workrs: unknown key; the keys are declared in Pulumi.yaml; did you mean workers?
              - kubeha:kubernetesVersoin: unknown key; the keys are declared in Pulumi.yaml; did you mean kubernetesVersion?
            """;

    record Run(int exit, String out, String err) {
    }

    @Test
    void aConfigErrorUnderTheEngineIsTheListAndNothingIsDeployed() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicBoolean deployed = new AtomicBoolean();
        int exit = Main.start(Map.of(EngineConfig.MONITOR, "127.0.0.1:1", EngineConfig.CONFIG, TYPOS), new PrintStream(err, true,
                StandardCharsets.UTF_8), checked -> deployed.set(true));
        assertEquals(1, exit);
        assertFalse(deployed.get(), "Pulumi.run is not reached");
        assertEquals(EXPECTED, err.toString(StandardCharsets.UTF_8));
        assertEquals(0, Main.start(Map.of(EngineConfig.MONITOR, "127.0.0.1:1", EngineConfig.CONFIG, "{" + NODES + "}"),
                new PrintStream(new ByteArrayOutputStream()), checked -> deployed.set(true)));
        assertTrue(deployed.get(), "a valid config is deployed");
    }

    @Test
    void theProgramProcessPrintsJustTheListAndExitsOne() throws Exception {
        Run run = java(Map.of(EngineConfig.MONITOR, "127.0.0.1:1", EngineConfig.CONFIG, TYPOS, EngineConfig.SECRET_KEYS, "[]"));
        assertEquals(1, run.exit(), run.err());
        assertEquals(EXPECTED, run.err(), "stderr is the list, nothing else");
        assertEquals("", run.out());
    }

    @Test
    void outsideTheEngineTheJarPrintsUsageAndHelpExitsZero() throws Exception {
        Run bare = java(Map.of());
        assertEquals(2, bare.exit());
        assertTrue(bare.err().contains("run it with `pulumi preview` or `pulumi up`") && bare.err().contains("usage:"), bare.err());
        assertNoTrace(bare);
        Run help = java(Map.of(), "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("usage:"), help.out());
        assertNoTrace(help);
    }

    static void assertNoTrace(Run run) {
        for (String line : (run.out() + run.err()).split("\n")) {
            assertFalse(line.trim().startsWith("at ") || line.contains("Exception"), "a stack trace line: " + line);
        }
    }

    /** Runs dev.kubeha.Main in a JVM of its own with only {@code env} from Pulumi (nothing inherited). */
    static Run java(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return java(List.of(), 60, env, args);
    }

    /** The same with options for the JVM ({@code -Xmx32m}), ended (and failed) after {@code seconds}. */
    static Run java(List<String> jvmOptions, int seconds, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.kubeha.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PULUMI_"));
        pb.environment().putAll(env);
        File out = File.createTempFile("kubeha-out", ".txt");
        File err = File.createTempFile("kubeha-err", ".txt");
        try {
            Process p = pb.redirectOutput(out).redirectError(err).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the program did not end within " + seconds + " s");
            }
            return new Run(p.exitValue(), java.nio.file.Files.readString(out.toPath()), java.nio.file.Files.readString(err.toPath()));
        } finally {
            out.delete();
            err.delete();
        }
    }
}
