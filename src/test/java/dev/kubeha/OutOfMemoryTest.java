package dev.kubeha;

import dev.kubeha.plan.Bench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A heap too small for a plan ends the tool with a message that says what to do, never a hang or a stack trace. */
class OutOfMemoryTest {

    @Test
    void aPlanInTooSmallAHeapFailsWithTheHeapToAskFor(@TempDir Path project) throws Exception {
        Files.writeString(project.resolve("Pulumi.big.yaml"), Bench.stackFile(500, "1.36", Map.of()));
        ProgramStartTest.Run run = ProgramStartTest.java(List.of("-Xmx32m"), 120, Map.of(),
                "plan", "--stack", "big", "--project-dir", project.toString());
        assertEquals(3, run.exit(), run.err());
        assertTrue(run.err().contains("kubeha: not enough memory for a plan of 505 nodes: run java with -Xmx512m"),
                run.err());
        ProgramStartTest.assertNoTrace(run);
        assertTrue(run.err().lines().noneMatch(l -> l.contains("at com.") || l.contains("OutOfMemoryError")), run.err());
    }
}
