package dev.kubeha.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The lab's network: a switch namespace holding a bridge with no uplink, and one namespace per machine joined to
 * it by a veth pair (eth0 inside). The switch namespace itself has {@link #HUB} on the bridge: it stands for the
 * operator's workstation (SSH clients run there) and serves the package repositories. Every name carries
 * {@link #PREFIX} plus this JVM's pid; {@link #sweep()} removes what a dead JVM left.
 */
final class LabNetwork implements AutoCloseable {
    static final String PREFIX = "khm";
    static final String NET = "10.250.57.";
    static final String HUB = NET + "1";
    static final int PREFIX_LENGTH = 24;

    private final String id = PREFIX + ProcessHandle.current().pid();
    private final List<String> namespaces = new ArrayList<>();

    LabNetwork() {
        sweep();
        String sw = hub();
        add(sw);
        HostShell.run("ip -n " + sw + " link add br0 type bridge && ip -n " + sw + " link set br0 up && ip -n " + sw
                + " link set lo up && ip -n " + sw + " addr add " + HUB + "/" + PREFIX_LENGTH + " dev br0");
    }

    /** The switch namespace (bridge, hub address). */
    String hub() {
        return id + "-sw";
    }

    /** Adds a machine's namespace with {@code address} on eth0, linked to the bridge; returns its name. */
    String attach(String machine, String address) {
        String ns = id + "-" + machine;
        add(ns);
        String port = "v" + machine;
        HostShell.run("ip -n " + hub() + " link add " + port + " type veth peer name eth0 netns " + ns
                + " && ip -n " + hub() + " link set " + port + " master br0 up"
                + " && ip -n " + ns + " addr add " + address + "/" + PREFIX_LENGTH + " dev eth0"
                + " && ip -n " + ns + " link set eth0 up && ip -n " + ns + " link set lo up");
        return ns;
    }

    /** Runs a command in the hub namespace (where the operator's SSH client runs). */
    HostShell.Result inHub(String command, int seconds) {
        return HostShell.sh("ip netns exec " + hub() + " " + command, seconds);
    }

    private void add(String ns) {
        HostShell.sh("ip netns del " + ns);
        HostShell.run("ip netns add " + ns);
        namespaces.add(ns);
    }

    @Override
    public void close() {
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            delete(namespaces.get(i));
        }
        namespaces.clear();
    }

    /** This lab's namespaces that still exist. */
    List<String> leftovers() {
        return names().stream().filter(n -> n.startsWith(id + "-")).map(n -> "namespace " + n).toList();
    }

    private static List<String> names() {
        List<String> out = new ArrayList<>();
        for (String line : HostShell.sh("ip netns list", 10).output().split("\n")) {
            if (!line.isBlank()) {
                out.add(line.split(" ")[0]);
            }
        }
        return out;
    }

    /** Namespaces left by a lab whose JVM is gone. */
    static void sweep() {
        for (String name : names()) {
            if (name.startsWith(PREFIX)) {
                String pid = name.substring(PREFIX.length()).split("-")[0];
                if (pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    delete(name);
                }
            }
        }
    }

    /** Kills whatever still runs in a namespace, then deletes it. */
    private static void delete(String ns) {
        HostShell.sh("ip netns pids " + ns + " | xargs -r kill -9", 10);
        HostShell.sh("ip netns del " + ns, 10);
    }
}
