package dev.kubeha.plan;

import com.pulumi.test.Mocks;
import dev.kubeha.Main;
import dev.kubeha.render.ScriptReferences;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SDK builds no debug text into its task list during a recorded run (see {@link WithoutDebugLog}): with its own
 * log opened to FINEST, which shows everything it formats whatever the level, no registration's debug message
 * appears, neither as a message nor inside the runner's "Remaining tasks" list; and that list is formatted only a
 * few times, once the program's tasks have settled ({@link SettledRunner}); and the registration requests it formats
 * for its debug messages anyway carry a plan's scripts by reference ({@link ScriptReferences}).
 */
class SdkLogTest {
    @Test
    void noDebugMessageOfTheSdkIsFormattedOrQueued() {
        List<String> messages = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        Recorder.SDK_LOG.addHandler(handler);
        Recorder.SDK_LOG.setLevel(Level.FINEST);
        try {
            Recorder.Recording r = Recorder.record("vagrant", Stacks.pulumiConfig(Stacks.raw("vagrant", Map.of())),
                    new ClusterMocks(), Main::stack);
            assertEquals(0, r.result().exitCode(), String.join("\n", r.result().errors()));
        } finally {
            Recorder.SDK_LOG.removeHandler(handler);
            Recorder.SDK_LOG.setLevel(Level.INFO);
        }
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("Remaining tasks")), "the SDK's log was watched");
        // The SDK's runner polls its tasks only once they have settled (SettledRunner): a few turns, not one per
        // moment of the run (thousands, each on a new thread on a 2-core machine, each formatting every task).
        long turns = messages.stream().filter(m -> m.startsWith("Remaining tasks")).count();
        assertTrue(turns <= 10, "the SDK's runner turned " + turns + " times");
        assertFalse(messages.stream().anyMatch(m -> m.contains("Registering resource monitor start")
                || m.contains("Preparing resource")), "no debug message was formatted into the SDK's log or task list");
    }

    @Test
    void aPlanHandsTheSdkItsScriptsByReferenceAndSeesThemWhole() {
        // What the SDK formats into its debug text (the registration request) carries a short reference for each
        // script; what the plan records, and so everything it shows or writes, carries the script itself.
        List<String> stdins = new CopyOnWriteArrayList<>();
        PlanMocks plan = new PlanMocks(Stacks.config("vagrant", Map.of()));
        Mocks mocks = new Mocks() {
            @Override
            public CompletableFuture<Mocks.ResourceResult> newResourceAsync(Mocks.ResourceArgs args) {
                if (args.type.equals("command:remote:Command") && args.inputs.get("stdin") instanceof String stdin) {
                    stdins.add(stdin);
                }
                return plan.newResourceAsync(args);
            }

            @Override
            public CompletableFuture<Map<String, Object>> callAsync(Mocks.CallArgs args) {
                return plan.callAsync(args);
            }
        };
        Recorder.Recording r = ScriptReferences.whileRecording(() -> Recorder.record("vagrant",
                Stacks.pulumiConfig(Stacks.raw("vagrant", Map.of())), mocks, Main::stack));
        assertEquals(0, r.result().exitCode(), String.join("\n", r.result().errors()));
        assertFalse(stdins.isEmpty());
        assertTrue(stdins.stream().allMatch(s -> s.length() < 40 && !s.contains("#!")), "the SDK saw references only: " + stdins.get(0));
        List<Recorder.Registration> remote = r.registrations().stream().filter(g -> g.type().equals("command:remote:Command")).toList();
        List<Object> recorded = remote.stream().map(g -> g.inputs().get("stdin")).filter(Objects::nonNull).toList();
        assertEquals(stdins.size(), recorded.size());
        assertTrue(recorded.stream().allMatch(s -> ((String) s).startsWith("#!/usr/bin/env bash\n")), "the plan recorded every script whole");
        assertTrue(remote.stream().map(g -> g.inputs().get("delete")).filter(Objects::nonNull)
                .allMatch(d -> ((String) d).contains("bash -c")), "and every teardown");
    }
}
