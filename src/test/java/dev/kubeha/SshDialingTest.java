package dev.kubeha;

import dev.kubeha.components.Machines;
import dev.kubeha.engine.Deployment;
import dev.kubeha.engine.Engine;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.CommandProvider;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Changing how patiently kubeha dials (sshDialErrorLimit, sshPerDialTimeout) runs nothing on any machine, under the
 * engine's step rules ({@link dev.kubeha.engine.EngineModel}); every step dials its machine with {@link Machines#STEP}.
 */
class SshDialingTest {
    static final Map<String, String> CHANGED = Map.of("sshDialErrorLimit", "100", "sshPerDialTimeout", "45");

    @ParameterizedTest
    @ValueSource(strings = {"vagrant", "existing"})
    void aRetrySettingChangeRunsNothingOnAnyMachine(String stack) {
        Map<String, String> base = new java.util.HashMap<>();
        if (stack.equals("existing")) {
            base.putAll(keyOnly());
            base.put("bastionHost", "10.0.10.2");
            base.put("kubernetesApiProxy", "direct");
        }
        for (boolean preview : new boolean[]{true, false}) {
            Deployment d = Engine.change(stack, base, CHANGED, preview);
            assertEquals(List.of(), d.errors());
            assertEquals(java.util.Set.of(), d.touched(), preview ? "preview" : "up");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vagrant", "existing"})
    void everyStepDialsALittleAndOnlyTheWaitForAnExistingHostDialsAsTheStackSays(String stack) {
        ProgramRun run = run(stack, Map.of(), Map.of());
        int steps = 0;
        for (Registration r : run.ofType("command:remote:Command")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> connection = (Map<String, Object>) r.inputs().get("connection");
            int limit = ((Number) connection.get("dialErrorLimit")).intValue();
            int timeout = ((Number) connection.get("perDialTimeout")).intValue();
            if (r.name().endsWith("-reachable")) {
                assertEquals(List.of(40, 15), List.of(limit, timeout), r.name());
            } else {
                assertEquals(List.of(Machines.STEP.errorLimit(), Machines.STEP.perDialTimeoutSeconds()), List.of(limit, timeout), r.name());
                steps++;
            }
        }
        assertTrue(steps > 30, "every step: " + steps);
        long hosts = Stacks.config(stack, stack.equals("existing") ? keyOnly() : Map.of()).allNodes().size();
        assertEquals(stack.equals("existing") ? hosts : 0, run.registrations().stream().filter(r -> r.name().endsWith("-reachable")).count(),
                "one wait per existing host");
    }

    @org.junit.jupiter.api.Test
    void aDeleteOnAMachineThatIsGoneFailsWithinAMinute() {
        // A delete dials with the connection stored at create (CommandProvider: delete runs on the stored state).
        for (Registration r : run("existing", Map.of(), Map.of()).ofType("command:remote:Command")) {
            if (r.inputs().containsKey("delete")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) r.inputs().get("connection");
                double timedOut = CommandProvider.secondsToGiveUp(((Number) c.get("dialErrorLimit")).intValue(),
                        ((Number) c.get("perDialTimeout")).intValue(), false);
                double refused = CommandProvider.secondsToGiveUp(((Number) c.get("dialErrorLimit")).intValue(), 0, true);
                assertTrue(timedOut <= 62 && refused <= 2, r.name() + ": gives up after " + timedOut + " s (refused: " + refused + " s)");
            }
        }
        // What the stack's defaults would cost every delete on a gone machine.
        assertTrue(CommandProvider.secondsToGiveUp(40, 15, false) > 700);
    }

    private static ProgramRun run(String stack, Map<String, String> base, Map<String, String> changes) {
        Map<String, String> config = new java.util.HashMap<>(base);
        config.putAll(changes);
        if (stack.equals("existing")) {
            config.putAll(keyOnly());
        }
        return ProgramRun.of(Stacks.raw(stack, config), Main::stack);
    }

    /** The key file of the example stack does not exist here; the key itself is what the program reads. */
    private static Map<String, String> keyOnly() {
        Map<String, String> key = new java.util.HashMap<>();
        key.put("sshPrivateKeyPath", null);
        key.put("sshPrivateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE\n-----END OPENSSH PRIVATE KEY-----\n");
        return key;
    }
}
