package dev.kubeha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd cluster (Debian's etcd-server and etcd-client) on loopback, plain HTTP, for tests of what kubeha's
 * scripts do to etcd membership. Members are named like nodes; each listens on its own 127.0.0.1 ports. Closing it
 * kills every member and deletes its data.
 */
public final class LocalEtcd implements AutoCloseable {
    private static final int CLIENT_BASE = 23790;
    private static final int PEER_BASE = 23890;

    private final Path dir;
    private final Map<String, Process> members = new LinkedHashMap<>();
    /** Each member's client and peer URL. */
    private final Map<String, String[]> urls = new LinkedHashMap<>();

    /** Whether the etcd and etcdctl binaries are installed. */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/etcd")) && Files.isExecutable(Path.of("/usr/bin/etcdctl"));
    }

    /** Starts one member per name, all in one new cluster, and waits (at most 30 s) until it is healthy. */
    public LocalEtcd(List<String> names) {
        this(indexed(names));
    }

    /**
     * Starts one member per name on its own loopback address with etcd's standard ports, ADDRESS:2379 for clients
     * and ADDRESS:2380 for peers, as kubeadm's members listen: a restore that names members by https://ADDRESS:2380
     * then points at them (give addresses of 127.0.0.0/8 no other test uses).
     */
    public static LocalEtcd atAddresses(Map<String, String> nameToAddress) {
        Map<String, String[]> urls = new LinkedHashMap<>();
        nameToAddress.forEach((name, address) -> urls.put(name,
                new String[] {"http://" + address + ":2379", "http://" + address + ":2380"}));
        return new LocalEtcd(urls);
    }

    private static Map<String, String[]> indexed(List<String> names) {
        Map<String, String[]> urls = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            urls.put(names.get(i), new String[] {clientUrl(i), peerUrl(i)});
        }
        return urls;
    }

    private LocalEtcd(Map<String, String[]> urls) {
        dir = TempDirs.create("kubeha-etcd-");
        this.urls.putAll(urls);
        for (String name : urls.keySet()) {
            start(name, dir.resolve(name), "new");
        }
        for (int tries = 0; tries < 60; tries++) {
            if (etcdctl("endpoint", "health", "--cluster").exitCode() == 0) {
                return;
            }
            sleep(500);
        }
        close();
        throw new AssertionError("the local etcd cluster is not healthy after 30 s (logs in " + dir + ")");
    }

    /**
     * Starts a member again on {@code dataDir} with the flags of kubeadm's static pod: the first member's says
     * --initial-cluster-state new, a joined member's existing (kubernetes/kubernetes cmd/kubeadm/app/phases/etcd/local.go,
     * getEtcdCommand); etcd ignores both, and --initial-cluster, once the data directory holds a member.
     */
    public void start(String name, Path dataDir) {
        start(name, dataDir, name.equals(urls.keySet().iterator().next()) ? "new" : "existing");
    }

    private void start(String name, Path dataDir, String state) {
        String[] own = urls.get(name);
        String initial = urls.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()[1])
                .collect(java.util.stream.Collectors.joining(","));
        ProcessBuilder pb = new ProcessBuilder("etcd", "--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", own[0], "--advertise-client-urls", own[0],
                "--listen-peer-urls", own[1], "--initial-advertise-peer-urls", own[1],
                "--initial-cluster", initial, "--initial-cluster-state", state,
                "--initial-cluster-token", "kubeha-test");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()));
        try {
            members.put(name, pb.start());
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Adds a member as {@code kubeadm join --control-plane} does with its etcd learner mode (kubernetes/kubernetes
     * cmd/kubeadm/app/util/etcd/etcd.go AddMemberAsLearner, then MemberPromote once the learner caught up): added as a
     * learner through the cluster, started with --initial-cluster-state existing and the whole membership, promoted
     * (retried until etcd accepts it: a learner is promoted only once it is in sync), on ADDRESS:2379/2380; waits
     * (30 s at most per step). A stand-in for the join, which is not what the callers test.
     */
    public void join(String name, String address) {
        String[] own = {"http://" + address + ":2379", "http://" + address + ":2380"};
        String added = etcdctlUntilOk("member", "add", name, "--learner", "--peer-urls=" + own[1]).output();
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("Member\\s+([0-9a-f]+) added").matcher(added);
        if (!id.find()) {
            throw new AssertionError("no member ID in: " + added);
        }
        urls.put(name, own);
        start(name, dir.resolve(name), "existing");
        etcdctlUntilOk("member", "promote", id.group(1));
        etcdctlUntilOk("endpoint", "health", "--cluster");
        for (int tries = 0; tries < 60 && memberList().stream().noneMatch(l -> l.contains(", " + name + ", ")); tries++) {
            sleep(500);  // a started member publishes its name through raft
        }
    }

    /**
     * After a member was removed from the cluster: stops its process (etcd ends itself once removed; a dead node's
     * is gone already) and forgets it, so that later joins list only the members there are.
     */
    public void forget(String name) {
        Process p = members.remove(name);
        if (p != null) {
            p.destroyForcibly();
            waitFor(p);
        }
        urls.remove(name);
    }

    /** Every member's client URL, comma separated: for a client that fails over between them, as the API server's. */
    public String endpoints() {
        return urls.values().stream().map(u -> u[0]).collect(java.util.stream.Collectors.joining(","));
    }

    /** Stops a member's process (the kubelet stopping its static pod, or a dead node) and waits until it is gone. */
    public void stop(String name) {
        Process p = members.get(name);
        p.destroyForcibly();
        waitFor(p);
    }

    /** Where a member first kept its data. */
    public Path dataDir(String name) {
        return dir.resolve(name);
    }

    /** A member's client URL. */
    public String clientUrlOf(String name) {
        return urls.get(name)[0];
    }

    public static String clientUrl(int i) {
        return "http://127.0.0.1:" + (CLIENT_BASE + i);
    }

    static String peerUrl(int i) {
        return "http://127.0.0.1:" + (PEER_BASE + i);
    }

    /** The first member's client URL: where tests point etcdctl. */
    public String endpoint() {
        return urls.values().iterator().next()[0];
    }

    /**
     * Kills a member's process (a dead node): it stays a member of the cluster. Returns once the others have a leader
     * again and accept writes (within 30 s), as long after a node's death as kubeha's cleanup runs.
     */
    public void kill(String name) {
        stop(name);
        etcdctlUntilOk("put", "kubeha-test/after-kill", name);
    }

    /**
     * Runs etcdctl until it succeeds, every 0.5 s for at most 30 s: etcd refuses membership changes until every
     * member has been connected for 5 s (etcd-io/etcd server/etcdserver/server.go, HealthInterval), and writes while
     * it elects a leader.
     */
    public Result etcdctlUntilOk(String... args) {
        Result r = etcdctl(args);
        for (int tries = 0; tries < 60 && r.exitCode() != 0; tries++) {
            sleep(500);
            r = etcdctl(args);
        }
        if (r.exitCode() != 0) {
            throw new AssertionError("etcdctl " + String.join(" ", args) + " failed for 30 s: " + r.output());
        }
        return r;
    }

    public record Result(int exitCode, String output) {
    }

    /** Runs etcdctl against every member, as a client that fails over between them (bounded to 20 s). */
    public Result etcdctl(String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints(), "--command-timeout=5s"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "etcdctl timed out");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The member list, one "ID, STATUS, NAME, PEER URLS, CLIENT URLS, LEARNER" line each. */
    public List<String> memberList() {
        Result r = etcdctl("member", "list", "-w", "simple");
        if (r.exitCode() != 0) {
            throw new AssertionError("etcdctl member list failed: " + r.output());
        }
        return r.output().lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public void close() {
        members.values().forEach(Process::destroyForcibly);
        members.values().forEach(LocalEtcd::waitFor);
        TempDirs.delete(dir);
    }

    private static void waitFor(Process p) {
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
