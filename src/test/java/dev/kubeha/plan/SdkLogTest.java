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
 * appears, neither as a message nor inside the runner's "Remaining tasks" list.
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
        assertFalse(messages.stream().anyMatch(m -> m.contains("Registering resource monitor start")
                || m.contains("Preparing resource")), "no debug message was formatted into the SDK's log or task list");
    }
}
