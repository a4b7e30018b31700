package dev.kubeha.cli;

import dev.kubeha.testing.Netns;
import dev.kubeha.testing.TempDirs;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher {@code ./kubeha}: it runs the built jar with the JVM settings for short runs (the serial collector, the
 * first JIT tier), adds KUBEHA_JAVA_OPTS after them, passes the arguments on, and says what to do when the jar is not
 * built. The jar here is a stand-in (tests run before Maven packages the real one): {@link Probe} prints what the JVM
 * was started with.
 */
class LauncherTest {
    /** The stand-in jar's main: the JVM's options, its collectors and the arguments, one per line. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println("options " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
            System.out.println("collectors " + ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(",")));
            System.out.println("args " + String.join("|", args));
        }
    }

    record Run(int exit, String out, String err) {
    }

    /** Runs the launcher in {@code cwd}; its output files go there too. */
    static Run launch(Path cwd, Path launcher, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString()).directory(cwd.toFile());
        pb.command().addAll(java.util.List.of(args));
        pb.environment().put("KUBEHA_JAVA_OPTS", "-Xmx300m -Dkubeha.probe=yes -Xlog:gc*=off");
        // The launcher's options alone: the JVM also reads these two (and refuses a second collector).
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        Path out = cwd.resolve("out");
        Path err = cwd.resolve("err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the launcher did not end within 60 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void runsTheJarWithTheShortRunSettingsAndSaysWhenItIsNotBuilt() throws Exception {
        Path dir = TempDirs.create("kubeha-launcher-");
        try {
            Path launcher = Files.copy(Path.of("kubeha"), Files.createDirectories(dir.resolve("repo")).resolve("kubeha"),
                    java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Run missing = launch(dir, launcher, "plan");
            assertEquals(2, missing.exit());
            assertEquals("kubeha: " + dir.toRealPath() + "/repo/target/kubeha.jar is not built yet: run mvn -q -B package"
                    + " -DskipTests first\n", missing.err());

            writeProbeJar(dir.resolve("repo/target/kubeha.jar"));
            // Through a link elsewhere (a copy on the PATH), as well as directly: the jar beside the real file.
            Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("bin")).resolve("kubeha"), Path.of("../repo/kubeha"));
            // A glob in KUBEHA_JAVA_OPTS must stay as written: -Xlog:gc*=off would match this file (and the JVM
            // refuse the unknown tag gcX).
            Files.createFile(Files.createDirectories(dir.resolve("bin")).resolve("-Xlog:gcX=off"));
            for (Path entry : java.util.List.of(launcher, link)) {
                Run run = launch(dir.resolve("bin"), entry, "plan", "--stack", "two words");
                assertEquals(0, run.exit(), run.err());
                assertTrue(run.out().contains("options -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx300m -Dkubeha.probe=yes"
                        + " -Xlog:gc*=off\n"), run.out());
                // The serial collector's young and old generations (HotSpot's names: openjdk/jdk
                // src/hotspot/share/gc/serial/serialHeap.cpp).
                assertTrue(run.out().contains("collectors Copy,MarkSweepCompact\n"), run.out());
                assertTrue(run.out().contains("args plan|--stack|two words\n"), run.out());
            }
        } finally {
            TempDirs.delete(dir);
        }
        // A POSIX sh script (#!/bin/sh): checked in that dialect, not as bash.
        assumeTrue(Netns.onPath("shellcheck"), "shellcheck is not installed (apt-get install shellcheck)");
        Netns.Result check = Netns.exec("shellcheck", "-s", "sh", "kubeha");
        assertEquals(0, check.exitCode(), check.output());
    }

    private static void writeProbeJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Probe.class.getName());
        String entry = Probe.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             var in = Probe.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }
}
