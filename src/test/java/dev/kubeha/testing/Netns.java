package dev.kubeha.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway network namespaces for tests that must run real daemons or validators. Only for root; every
 * namespace this class creates has the prefix {@code kubeha-t}, and {@link #close()} deletes it.
 */
public final class Netns implements AutoCloseable {
    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Why namespace tests cannot run here, or null when they can. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespace tests need root (run the tests with sudo)";
        }
        if (exec("ip", "netns", "list").exitCode() != 0) {
            return "`ip netns` is not available (install iproute2)";
        }
        return null;
    }

    public static boolean onPath(String command) {
        return exec("sh", "-c", "command -v " + command).exitCode() == 0;
    }

    /** A namespace with interface {@code ifname} (one end of a veth pair) carrying {@code address/prefix}, up. */
    public static Netns withAddress(String suffix, String ifname, String address, int prefix) {
        String name = "kubeha-t" + ProcessHandle.current().pid() + "-" + suffix;
        exec("ip", "netns", "del", name);
        check(exec("ip", "netns", "add", name));
        Netns ns = new Netns(name);
        try {
            setUp(name, ifname, address, prefix);
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private static void setUp(String name, String ifname, String address, int prefix) {
        check(exec("ip", "-n", name, "link", "add", ifname, "type", "veth", "peer", "name", ifname + "p"));
        check(exec("ip", "-n", name, "link", "set", ifname + "p", "up"));
        check(exec("ip", "-n", name, "addr", "add", address + "/" + prefix, "dev", ifname));
        check(exec("ip", "-n", name, "link", "set", ifname, "up"));
        check(exec("ip", "-n", name, "link", "set", "lo", "up"));
    }

    public String name() {
        return name;
    }

    public Result run(String... command) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", name));
        argv.addAll(Arrays.asList(command));
        return exec(argv.toArray(String[]::new));
    }

    @Override
    public void close() {
        exec("ip", "netns", "del", name);
    }

    /** A finished command. */
    public record Result(int exitCode, String output) {
    }

    public static Result exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + "\n(timed out)");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static void check(Result r) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("namespace setup failed: " + r.output());
        }
    }
}
