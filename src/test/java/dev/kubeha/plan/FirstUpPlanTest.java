package dev.kubeha.plan;

import dev.kubeha.Main;
import dev.kubeha.components.WorkerTokens;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first {@code pulumi up} as the offline plan simulates it, for 5, 100 and 500 workers on existing hosts: within
 * 1.10x of the critical-path bound (issue 15's goal), no host gets more than 10 SSH sessions at once (sshd's default
 * MaxStartups 10:30:100), and the upgrade steps, which have nothing to do then, open none; nor do the drain steps (a
 * join waits for its node's registration itself) or the workers' membership records (their tokens are made in
 * batches).
 */
class FirstUpPlanTest {
    @ParameterizedTest
    @ValueSource(ints = {5, 100, 500})
    void withinTenPercentOfTheBoundWithAtMostTenSessionsPerHost(int workers) {
        Planner.Plan plan = Planner.plan("bench", Bench.stack(workers, "1.33", Map.of()), Main::stack);
        assertEquals(List.of(), plan.errors());
        double ratio = plan.total() / Bench.bound(plan.config());
        assertTrue(ratio <= 1.10, workers + " workers: " + plan.total() + " s, " + ratio + "x the critical-path bound, "
                + "critical path " + plan.criticalPath());
        Map<String, Integer> peaks = plan.peakSessions();
        assertTrue(peaks.values().stream().allMatch(p -> p <= 10), "peak SSH sessions per host: " + peaks);
        // The workers' token batches run at once there, one per credentials lane (WorkerTokens).
        int batches = WorkerTokens.batches(plan.config().workers()).size();
        assertTrue(batches <= WorkerTokens.BATCHES);
        assertTrue(peaks.get("cp1") >= batches, "the token batches run in parallel on the first node: " + peaks);
        for (Planner.Step s : plan.steps()) {
            if (s.name().matches(".*-(cordon|upgrade|uncordon|drain)")
                    || s.name().matches("w[0-9]+-credentials")) {
                assertEquals(s.start(), s.end(), s.name() + " takes no time: no SSH session on creation");
            }
        }
    }

    /**
     * The SDK registers a plan's resources in no fixed order (its futures complete as they may), and the placeholder
     * secrets the plan hands out (tokens, keys) once came from a counter in that order: a change plan of two runs
     * then saw credentials and token batches "change" that no stack change touched, and the bench's rolling-upgrade
     * sessions varied from run to run. Three plans of one stack now register the same inputs.
     */
    @org.junit.jupiter.api.Test
    void theSameStackGivesTheSameInputsInEveryPlan() {
        // One day for all three (the daily certificate checks carry it), so that midnight does not count as a change.
        java.time.LocalDate day = java.time.LocalDate.of(2026, 12, 7);
        Map<String, Map<String, Object>> first = inputs(Planner.plan("bench", Bench.stack(30, "1.33", Map.of()), Main.stackOn(day)));
        for (int run = 0; run < 2; run++) {
            assertEquals(first, inputs(Planner.plan("bench", Bench.stack(30, "1.33", Map.of()), Main.stackOn(day))));
        }
    }

    private static Map<String, Map<String, Object>> inputs(Planner.Plan plan) {
        Map<String, Map<String, Object>> byName = new java.util.TreeMap<>();
        plan.steps().forEach(s -> byName.put(s.name(), s.registration().inputs()));
        return byName;
    }
}
