package dev.kubeha.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Commands the lab runs on the host (as root): bounded in time, output captured. */
final class HostShell {
    private HostShell() {
    }

    /** A finished command: exit code (-1 when it timed out or could not start) and its stdout and stderr together. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs {@code bash -c command}, at most {@code seconds}. */
    static Result sh(String command, int seconds) {
        try {
            Path out = Files.createTempFile("kubeha-lab-sh", ".out");
            try {
                Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).start();
                boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
                if (!done) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
                String output = Files.readString(out, StandardCharsets.UTF_8);
                return done ? new Result(p.exitValue(), output) : new Result(-1, output + "\n(timed out after " + seconds + " s)");
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static Result sh(String command) {
        return sh(command, 60);
    }

    /** Runs a command that must succeed. */
    static String run(String command, int seconds) {
        Result r = sh(command, seconds);
        if (!r.ok()) {
            throw new IllegalStateException("machine lab: `" + command + "` failed (" + r.exitCode() + "): " + r.output());
        }
        return r.output();
    }

    static String run(String command) {
        return run(command, 60);
    }

    static boolean onPath(String tool) {
        return sh("command -v " + tool, 10).ok();
    }

    /** Single-quotes a string for bash. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static void sleep(double seconds) {
        try {
            Thread.sleep((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
