package dev.kubeha.plan;

import dev.kubeha.Main;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first {@code pulumi up} as the offline plan simulates it, for 5, 100 and 500 workers on existing hosts: no host
 * gets more than 10 SSH sessions at once (sshd's default MaxStartups 10:30:100), and the upgrade steps, which have
 * nothing to do then, open none; nor do the drain steps (a join waits for its node's registration itself).
 */
class FirstUpPlanTest {
    @ParameterizedTest
    @ValueSource(ints = {5, 100, 500})
    void noHostGetsMoreThanTenSessionsAndNoUpgradeStepRuns(int workers) {
        Planner.Plan plan = Planner.plan("bench", Bench.stack(workers, "1.33", Map.of()), Main::stack);
        assertEquals(java.util.List.of(), plan.errors());
        Map<String, Integer> peaks = plan.peakSessions();
        assertTrue(peaks.values().stream().allMatch(p -> p <= 10), "peak SSH sessions per host: " + peaks);
        // The workers' credentials take 6 lanes there (SessionLanes.CHAINS); the control plane's own joins, which wait
        // for the membership check (control-plane-members), overlap them by one more.
        assertTrue(peaks.get("cp1") >= Math.min(workers, 7), "the first control-plane node is used in parallel: " + peaks);
        for (Planner.Step s : plan.steps()) {
            if (s.name().matches(".*-(cordon|upgrade|uncordon|drain)")) {
                assertEquals(s.start(), s.end(), s.name() + " takes no time: no SSH session on creation");
            }
        }
    }
}
