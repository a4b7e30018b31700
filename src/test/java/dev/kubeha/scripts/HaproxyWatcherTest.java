package dev.kubeha.scripts;

import dev.kubeha.render.Templates;
import dev.kubeha.render.lb.KeepalivedConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kubeha-haproxy-watch, run as its unit runs it, against a curl that answers as the test says: one slow or failed
 * poll moves no VIP; {@link KeepalivedConfig#WATCH_FAILURES} in a row write 1 for Keepalived, fast; a refused
 * connection (nothing listens: HAProxy is gone) writes 1 at once. (Against the real HAProxy:
 * LoadBalancerEndpointsTest and the failover lab.)
 */
@Isolated("the watcher is timed on the wall clock")
class HaproxyWatcherTest {
    private Path dir;
    private Process watcher;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("kubeha-watch-");
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("watch.sh"), Templates.load("keepalived/haproxy-watch.sh"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (watcher != null) {
            // Its curl of the moment too: a stub still running would write into the folder being deleted.
            List<ProcessHandle> all = new java.util.ArrayList<>(watcher.descendants().toList());
            all.add(watcher.toHandle());
            all.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : all) {
                p.onExit().get(3, TimeUnit.SECONDS);
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * A curl whose answer to poll N is line N of {@code answers} (ok; fail: an error answer; slow: 0.35 s then a
     * timeout; refused), ok after the last line; each poll first records what the track file said then.
     */
    private void curl(List<String> answers) throws IOException {
        Files.writeString(dir.resolve("answers"), String.join("\n", answers) + "\n");
        Path curl = dir.resolve("bin/curl");
        Files.writeString(curl, "#!/usr/bin/env bash\n"
                + "d=" + dir + "\n"
                + "n=$(($(cat $d/polls 2>/dev/null || echo 0) + 1)); echo $n >$d/polls\n"
                + "cat $d/track 2>/dev/null >>$d/seen || echo - >>$d/seen\n"
                + "case \"$(sed -n ${n}p $d/answers)\" in fail) [ -f $d/failed-at ] || date +%s%N >$d/failed-at; exit 22;; "
                + "slow) sleep 0.35; exit 28;; refused) exit 7;; esac; exit 0\n");
        Files.setPosixFilePermissions(curl, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private void startWatcher() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", dir.resolve("watch.sh").toString(), "http://127.0.0.1:8404/livez",
                dir.resolve("track").toString(), Integer.toString(KeepalivedConfig.WATCH_INTERVAL_MS),
                Integer.toString(KeepalivedConfig.WATCH_FAILURES)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("watch.log").toFile());
        pb.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        watcher = pb.start();
    }

    private int polls() throws IOException {
        Path polls = dir.resolve("polls");
        String n = Files.exists(polls) ? Files.readString(polls).trim() : "";
        return n.matches("\\d+") ? Integer.parseInt(n) : 0;
    }

    private String track() throws IOException {
        Path track = dir.resolve("track");
        return Files.exists(track) ? Files.readString(track).trim() : "";
    }

    @Test
    void oneSlowOrFailedPollMovesNothing() throws Exception {
        curl(List.of("ok", "ok", "slow", "ok", "ok", "fail", "ok", "fail", "fail", "ok", "ok"));
        startWatcher();
        for (int i = 0; i < 100 && polls() < 14; i++) {
            Thread.sleep(50);
        }
        assertTrue(polls() >= 14, "the watcher polls: " + polls());
        List<String> seen = Files.readAllLines(dir.resolve("seen"));
        assertFalse(seen.contains("1"), "HAProxy never counted as down: " + seen);
        assertEquals("0", track());
    }

    @Test
    void aRefusedConnectionWritesHaproxysDeathAtOnce() throws Exception {
        curl(List.of("ok", "ok", "refused", "refused", "refused", "refused"));
        startWatcher();
        for (int i = 0; i < 300 && polls() < 5; i++) {
            Thread.sleep(10);
        }
        List<String> seen = Files.readAllLines(dir.resolve("seen"));
        assertEquals(List.of("-", "0", "0", "1"), seen.subList(0, 4), "nothing listens on the port: 1 after one poll: " + seen);
    }

    @Test
    void failuresInARowWriteHaproxysDeathFast() throws Exception {
        curl(List.of("ok", "ok", "fail", "fail", "fail", "fail", "fail", "fail", "fail", "fail", "fail", "fail", "fail", "fail"));
        startWatcher();
        for (int i = 0; i < 300 && (!track().equals("1") || polls() < 7); i++) {
            Thread.sleep(10);
        }
        assertEquals("1", track(), "three failed polls in a row: HAProxy is down");
        List<String> seen = Files.readAllLines(dir.resolve("seen"));
        assertEquals(List.of("-", "0", "0", "0", "0", "1"), seen.subList(0, 6),
                "polls 3 to 5 fail; the third of them writes 1, seen by the next poll: " + seen);
        long failedAt = Long.parseLong(Files.readString(dir.resolve("failed-at")).trim());
        long writtenAt = Files.getLastModifiedTime(dir.resolve("track")).toMillis();
        double seconds = (writtenAt - failedAt / 1_000_000) / 1000.0;
        // After the first failed poll, two more at half the interval (50 ms) instead of one interval each: about
        // 0.1 s plus three polls (the failover lab holds the whole VIP move to 0.5 s; this machine may be busy).
        assertTrue(seconds < 1.0, "written " + seconds + " s after the first failed poll");
    }
}
