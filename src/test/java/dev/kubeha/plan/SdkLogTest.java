package dev.kubeha.plan;

import dev.kubeha.Main;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
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
 * few times, once the program's tasks have settled ({@link SettledRunner}).
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
}
