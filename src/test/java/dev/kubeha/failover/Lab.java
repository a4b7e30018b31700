package dev.kubeha.failover;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.Node;
import dev.kubeha.config.RawConfig;
import dev.kubeha.render.Templates;
import dev.kubeha.render.lb.HaproxyConfig;
import dev.kubeha.render.kubeadm.KubeadmConfigs;
import dev.kubeha.render.lb.KeepalivedConfig;
import dev.kubeha.render.lb.LoadBalancerScripts;
import dev.kubeha.testing.AddressMonitor;
import dev.kubeha.testing.Netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The failover lab: network namespaces on a bridge with no uplink (two or more load balancers, three control-plane
 * hosts, one client), real HAProxy and Keepalived in the LB namespaces with the configs kubeha renders, stand-in
 * HTTPS API servers, and a record of where the VIP is. Everything it creates carries the prefix {@link #PREFIX}
 * plus this JVM's pid and is removed by {@link #close()} or, if the JVM is interrupted, by a shutdown hook.
 */
final class Lab implements AutoCloseable {
    static final String PREFIX = "khalab";
    static final String NET = "10.250.56.";
    static final String VIP = NET + "100";
    static final String STATS_PASSWORD = "lab-stats-pw";
    static final List<String> MASTERS = List.of("m1", "m2", "m3");
    private static final Map<String, String> ADDRESS = Map.of("lb1", NET + "11", "lb2", NET + "12", "lb3", NET + "13",
            "m1", NET + "21", "m2", NET + "22", "m3", NET + "23", "client", NET + "50");

    /** The load balancers of this lab, in the stack's order ("lb1", "lb2", ...). */
    final List<String> lbs;

    final ClusterConfig config;
    final Path dir;
    /** The stand-in API servers' --shutdown-delay-duration (seconds) for those started from now on. */
    double apiShutdownDelay;
    private final String id;
    private final Map<String, Process> daemons = new LinkedHashMap<>();
    private final List<AddressMonitor> monitors = new ArrayList<>();
    /** (epoch seconds, lb, true = VIP added / false = removed), in arrival order. */
    final List<VipEvent> vipEvents = new CopyOnWriteArrayList<>();
    private final Thread cleanupHook = new Thread(this::teardown);

    record VipEvent(double at, String lb, boolean added) {
    }

    /** Why the lab cannot run here, or null. */
    static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the failover lab needs root for network namespaces (run the tests as root)";
        }
        for (String tool : List.of("ip", "haproxy", "keepalived", "openssl", "curl", "iptables", "/usr/bin/python3")) {
            if (sh("command -v " + tool).exitCode() != 0) {
                return tool + " is not installed (see .ci/run for the packages)";
            }
        }
        if (sh("ip netns list").exitCode() != 0) {
            return "`ip netns` does not work here";
        }
        return null;
    }

    Lab() {
        this(2);
    }

    /** A lab with {@code loadBalancers} load balancers (2 or 3); several labs may exist at once. */
    Lab(int loadBalancers) {
        lbs = java.util.stream.IntStream.rangeClosed(1, loadBalancers).mapToObj(i -> "lb" + i).toList();
        id = PREFIX + ProcessHandle.current().pid() + "-" + loadBalancers + "lb";
        try {
            dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "failover-lab-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = ClusterConfigParser.parseOrThrow(RawConfig.of(Map.of(
                "provisioner", "existing",
                "sshPrivateKey", "unused",
                "vip", VIP,
                "loadBalancers", lbs.stream().map(lb -> "\"lab-" + lb + "=" + ADDRESS.get(lb) + "\"")
                        .collect(java.util.stream.Collectors.joining(",", "[", "]")),
                "controlPlaneNodes", "[\"lab-m1=" + ADDRESS.get("m1") + "\",\"lab-m2=" + ADDRESS.get("m2") + "\",\"lab-m3="
                        + ADDRESS.get("m3") + "\"]")));
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        sweep();
        build();
    }

    String ns(String host) {
        return id + "-" + host;
    }

    /** Namespaces left behind by an earlier lab whose JVM is gone. */
    private static void sweep() {
        for (String line : sh("ip netns list").output().split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith(PREFIX)) {
                String pid = name.substring(PREFIX.length()).split("-")[0];
                if (pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    deleteNamespace(name);
                }
            }
        }
    }

    private void build() {
        String sw = ns("sw");
        run("ip netns add " + sw);
        run("ip -n " + sw + " link add br0 type bridge");
        run("ip -n " + sw + " link set br0 up");
        for (String host : hosts()) {
            String n = ns(host);
            run("ip netns add " + n);
            run("ip -n " + sw + " link add p-" + host + " type veth peer name eth1 netns " + n);
            run("ip -n " + sw + " link set p-" + host + " master br0 up");
            run("ip -n " + n + " addr add " + ADDRESS.get(host) + "/24 dev eth1");
            run("ip -n " + n + " link set eth1 up");
            run("ip -n " + n + " link set lo up");
        }
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=lab -keyout " + dir.resolve("key.pem")
                + " -out " + dir.resolve("cert.pem"));
        copy("failover/apiserver.py");
        copy("failover/client.py");
        copy("failover/watcher.py");
        writeExecutable("backend.sh", Templates.load(LoadBalancerScripts.BACKEND_LIBRARY));
        for (String m : MASTERS) {
            Path curlrc = dir.resolve(m + "-root/etc/kubeha/lb-admin.curlrc");
            try {
                Files.createDirectories(curlrc.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            write(dir.relativize(curlrc).toString(), LoadBalancerScripts.curlConfig(config, STATS_PASSWORD));
        }
        apiShutdownDelay = KubeadmConfigs.shutdownDelaySeconds(config);
        writeExecutable("notify.sh", Templates.load("keepalived/notify.sh"));
        writeExecutable("haproxy-watch.sh", Templates.load("keepalived/haproxy-watch.sh"));
        for (int i = 0; i < lbs.size(); i++) {
            String lb = lbs.get(i);
            Node self = config.loadBalancers().get(i);
            write(lb + "-haproxy.cfg", HaproxyConfig.render(config, STATS_PASSWORD, dir.resolve(lb + "-admin.sock").toString())
                    .replace("    daemon\n", ""));
            write(lb + "-keepalived.conf", KeepalivedConfig.render(config, self, "labpass", "eth1", paths(lb)));
        }
    }

    /** Every host namespace but the switch: the load balancers, the masters, the client. */
    private List<String> hosts() {
        List<String> hosts = new ArrayList<>(lbs);
        hosts.addAll(MASTERS);
        hosts.add("client");
        return hosts;
    }

    KeepalivedConfig.Paths paths(String lb) {
        return new KeepalivedConfig.Paths(dir.resolve(lb + "-state").toString(), dir.resolve("notify.sh").toString(),
                dir.resolve(lb + "-haproxy-down").toString());
    }

    // ---- daemons --------------------------------------------------------------------------------------------

    void startAll() {
        for (String m : MASTERS) {
            startApiServer(m);
        }
        for (String lb : lbs) {
            startHaproxy(lb);
            startWatcher(lb);
        }
        for (String lb : lbs) {
            startMonitor(lb);
        }
        // lb1 first, as when the first load balancer boots first; the others then join as BACKUP.
        startKeepalived("lb1");
        awaitOwner("lb1", 5);
        for (String lb : lbs.subList(1, lbs.size())) {
            startKeepalived(lb);
        }
        awaitSettled(8);
    }

    /**
     * Waits until the load balancers are as a pair in service is: lb1 MASTER, every other BACKUP (as their notify
     * scripts report), and no transition for a second. A fresh Keepalived waits in INIT for its first check of HAProxy
     * (acassen/keepalived keepalived/vrrp/vrrp_track.c initialise_track_script_state: num_script_init), and a check
     * that fails once while HAProxy starts sends the holder through FAULT and back; a fault struck before all this is
     * over measures Keepalived's start, not a failover.
     */
    private void awaitSettled(double timeoutSeconds) {
        double start = now();
        String settled = null;
        double since = 0;
        while (now() - start < timeoutSeconds) {
            String states = lbs.stream().map(this::vrrpTransitions).collect(java.util.stream.Collectors.joining("|"));
            boolean expected = vrrpState("lb1").equals("MASTER")
                    && lbs.subList(1, lbs.size()).stream().allMatch(lb -> vrrpState(lb).equals("BACKUP"));
            if (!expected || !states.equals(settled)) {
                settled = expected ? states : null;
                since = now();
            } else if (now() - since >= 1.0) {
                return;
            }
            sleep(0.05);
        }
        throw new IllegalStateException("the load balancers did not settle (lb1 MASTER, the others BACKUP, a second without"
                + " a transition) within " + timeoutSeconds + " s: " + lbs.stream().map(lb -> lb + " " + vrrpState(lb)).toList());
    }

    /** The last {@code lines} lines a daemon wrote (its log in the lab's directory), for a failure's message. */
    String logTail(String key, int lines) {
        List<String> all = read(dir.resolve(key + ".log")).lines().toList();
        return key + ":\n  " + String.join("\n  ", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Every VRRP transition {@code lb}'s Keepalived reported through kubeha's notify script. */
    private String vrrpTransitions(String lb) {
        return read(Path.of(paths(lb).stateDir(), "vrrp-transitions.log"));
    }

    /** The VRRP state {@code lb}'s Keepalived last reported through kubeha's notify script, or "" before any. */
    String vrrpState(String lb) {
        return read(Path.of(paths(lb).stateDir(), "vrrp-state")).trim();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void startApiServer(String m) {
        start(m + "-api", m, "/usr/bin/python3", dir.resolve("apiserver.py").toString(), m, "6443",
                dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString(), Double.toString(apiShutdownDelay));
    }

    /** Whether the API server on master {@code m} answers /readyz with ok (what upgrade.sh waits for). */
    boolean apiServerReady(String m) {
        return sh("ip netns exec " + ns(m) + " curl -sk --max-time 1 https://" + ADDRESS.get(m) + ":6443/readyz").output().trim().equals("ok");
    }

    /**
     * Runs kubeha's loadbalancer/backend.sh on master {@code m}, as its upgrade does: {@code lb_backend_drain} or
     * {@code lb_backend_ready} of its own server on every load balancer, through their stats pages; returns its
     * exit code and log.
     */
    Netns.Result backend(String m, String function) {
        String lbAddresses = lbs.stream().map(ADDRESS::get).collect(java.util.stream.Collectors.joining(" "));
        return sh("ip netns exec " + ns(m) + " env KUBEHA_ROOT=" + dir.resolve(m + "-root") + " LB_ADDRESSES='" + lbAddresses
                + "' LB_STATS_PORT=" + config.haproxy().statsPort() + " bash -c 'set -euo pipefail; log() { echo \"$*\" >&2; }; . "
                + dir.resolve("backend.sh") + "; " + function + " lab-" + m + "' 2>&1");
    }

    /** SIGTERM and wait up to {@code seconds} for the daemon to exit by itself (then SIGKILL). */
    void stopGracefully(String key, double seconds) {
        Process p = daemons.remove(key);
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor((long) (seconds * 1000), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IllegalStateException(key + " did not stop within " + seconds + " s of SIGTERM");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void startHaproxy(String lb) {
        start(lb + "-haproxy", lb, "haproxy", "-db", "-f", dir.resolve(lb + "-haproxy.cfg").toString());
    }

    void startWatcher(String lb) {
        // At the unit's niceness (kubeha-haproxy-watch.service: Nice=).
        start(lb + "-watch", lb, "nice", "-n", Integer.toString(KeepalivedConfig.WATCH_NICE), "bash", dir.resolve("haproxy-watch.sh").toString(), HaproxyConfig.livenessUrl(config),
                paths(lb).trackFile(), Integer.toString(KeepalivedConfig.WATCH_INTERVAL_MS),
                Integer.toString(KeepalivedConfig.WATCH_FAILURES));
    }

    void startKeepalived(String lb) {
        // A stale pid file whose pid was reused by another process makes keepalived refuse to start.
        sh("rm -f " + dir.resolve(lb + "-kd.pid") + " " + dir.resolve(lb + "-vrrp.pid") + " " + dir.resolve(lb + "-chk.pid"));
        start(lb + "-keepalived", lb, "keepalived", "-n", "-l", "-D", "-G", "-f", dir.resolve(lb + "-keepalived.conf").toString(),
                "-p", dir.resolve(lb + "-kd.pid").toString(), "-r", dir.resolve(lb + "-vrrp.pid").toString(),
                "-c", dir.resolve(lb + "-chk.pid").toString());
    }

    private void start(String key, String host, String... command) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
        argv.addAll(Arrays.asList(command));
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(key + ".log").toFile())).start();
            daemons.put(key, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL a daemon and everything it started. */
    void kill(String key) {
        signal(key, "KILL");
    }

    /** SIGTERM (a clean stop) and wait up to 3 s. */
    void stop(String key) {
        Process p = daemons.remove(key);
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Freeze a daemon and its children first, so none of them can react, then kill them all. */
    void crash(String key) {
        signal(key, "STOP");
        signal(key, "KILL");
    }

    private void signal(String key, String signal) {
        Process p = daemons.get(key);
        if (p == null) {
            return;
        }
        List<Long> pids = new ArrayList<>();
        pids.add(p.pid());
        p.descendants().forEach(d -> pids.add(d.pid()));
        sh("kill -" + signal + " " + String.join(" ", pids.stream().map(String::valueOf).toList()));
        if (signal.equals("KILL")) {
            daemons.remove(key);
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void linkDown(String host) {
        run("ip -n " + ns("sw") + " link set p-" + host + " down");
    }

    void blockVrrp() {
        for (String lb : lbs) {
            run("ip netns exec " + ns(lb) + " iptables -A INPUT -p vrrp -j DROP");
        }
    }

    void unblockVrrp() {
        for (String lb : lbs) {
            run("ip netns exec " + ns(lb) + " iptables -D INPUT -p vrrp -j DROP");
        }
    }

    /** Stops every daemon and resets links and firewall rules; the namespaces stay for the next run. */
    void stopAll() {
        // Every daemon must be gone before the next run starts: a dying Keepalived removes "its" VIP on exit.
        List<ProcessHandle> dying = new ArrayList<>();
        for (String key : new ArrayList<>(daemons.keySet())) {
            Process p = daemons.remove(key);
            p.descendants().forEach(d -> {
                dying.add(d);
                d.destroyForcibly();
            });
            dying.add(p.toHandle());
            p.destroyForcibly();
        }
        for (ProcessHandle h : dying) {
            try {
                h.onExit().get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("process " + h.pid() + " did not exit", e);
            }
        }
        for (AddressMonitor m : monitors) {
            m.close();
        }
        monitors.clear();
        for (String host : hosts()) {
            // And whatever else still runs there (a Keepalived child whose parent was gone before it was seen, say).
            killAllIn(ns(host));
            sh("ip -n " + ns("sw") + " link set p-" + host + " up");
        }
        for (String lb : lbs) {
            sh("ip netns exec " + ns(lb) + " iptables -F INPUT");
            sh("ip -n " + ns(lb) + " addr del " + VIP + "/24 dev eth1");
            // As after a reboot (/run is a tmpfs): no track file, no VRRP state or transitions of an earlier run.
            sh("rm -rf " + paths(lb).trackFile() + " " + paths(lb).stateDir());
        }
        vipEvents.clear();
        sleep(0.3);
    }

    // ---- observation ----------------------------------------------------------------------------------------

    /** Records, from the kernel's own reports, when the VIP comes and goes in an LB namespace. */
    private void startMonitor(String lb) {
        monitors.add(AddressMonitor.start(ns(lb), VIP, added -> vipEvents.add(new VipEvent(now(), lb, added))));
    }

    /** The LBs that hold the VIP right now (asked from the kernel). */
    List<String> vipOwners() {
        List<String> owners = new ArrayList<>();
        for (String lb : lbs) {
            if (sh("ip -n " + ns(lb) + " -4 -o addr show dev eth1").output().contains(" " + VIP + "/")) {
                owners.add(lb);
            }
        }
        return owners;
    }

    /** Waits until exactly {@code lb} holds the VIP; returns the time it took, or -1. */
    double awaitOwner(String lb, double timeoutSeconds) {
        double start = now();
        while (now() - start < timeoutSeconds) {
            if (vipOwners().equals(List.of(lb))) {
                return now() - start;
            }
            sleep(0.05);
        }
        return -1;
    }

    /** First time after {@code since} that the VIP was added on {@code lb}, or NaN. */
    double vipAddedOn(String lb, double since) {
        return vipEvents.stream().filter(e -> e.lb().equals(lb) && e.added() && e.at() >= since)
                .mapToDouble(VipEvent::at).min().orElse(Double.NaN);
    }

    /** The status of a backend in an LB's HAProxy (UP, DOWN, ...), from its stats CSV. */
    String backendStatus(String lb, String server) {
        String csv = sh("ip netns exec " + ns(lb) + " curl -s --max-time 1 -u " + config.haproxy().statsUser() + ":" + STATS_PASSWORD
                + " 'http://127.0.0.1:" + config.haproxy().statsPort() + "/stats;csv'").output();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",");
            if (f.length > 17 && f[0].equals("kube-apiservers") && f[1].equals(server)) {
                return f[17];
            }
        }
        return "?";
    }

    /** Runs the watcher in the client namespace: {@code streams} long-lived watch streams for {@code seconds}. */
    Process startWatcher(int streams, double seconds) {
        try {
            return new ProcessBuilder("ip", "netns", "exec", ns("client"), "/usr/bin/python3", dir.resolve("watcher.py").toString(),
                    VIP, Integer.toString(config.apiPort()), Integer.toString(streams), Double.toString(seconds))
                    .redirectError(dir.resolve("watcher.err").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The watch streams that ended: when, whether their server ended them (clean) or they were cut, which master. */
    static List<StreamEnd> streamEnds(Process watcher) {
        try {
            String out = new String(watcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            watcher.waitFor(15, TimeUnit.SECONDS);
            List<StreamEnd> ends = new ArrayList<>();
            for (String line : out.split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length == 3) {
                    ends.add(new StreamEnd(Double.parseDouble(f[0]), f[1].equals("1"), f[2]));
                }
            }
            return ends;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    record StreamEnd(double at, boolean clean, String backend) {
    }

    /** Runs the client in its namespace in the background: a request every 50 ms for {@code seconds}. */
    Process startClient(double seconds) {
        try {
            return new ProcessBuilder("ip", "netns", "exec", ns("client"), "/usr/bin/python3", dir.resolve("client.py").toString(),
                    VIP, Integer.toString(config.apiPort()), "0.05", Double.toString(seconds))
                    .redirectError(dir.resolve("client.err").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Request> results(Process client) {
        try {
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            client.waitFor(10, TimeUnit.SECONDS);
            List<Request> requests = new ArrayList<>();
            for (String line : out.split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length == 4) {
                    requests.add(new Request(Double.parseDouble(f[0]), f[1].equals("1"), Double.parseDouble(f[2]), f[3]));
                }
            }
            return Collections.unmodifiableList(requests);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** One client request: when it was sent, whether it succeeded, how long it took, which master answered. */
    record Request(double sent, boolean ok, double latency, String backend) {
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    static void sleep(double seconds) {
        try {
            Thread.sleep((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }

    private synchronized void teardown() {
        stopAll();
        for (String line : sh("ip netns list").output().split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith(id + "-")) {
                deleteNamespace(name);
            }
        }
    }

    /** Kills every process left in a namespace (whoever started it), then deletes the namespace. */
    private static void deleteNamespace(String name) {
        killAllIn(name);
        sh("ip netns del " + name);
    }

    /** SIGKILL to every process in a namespace, and wait (3 s at most) until none is left. */
    private static void killAllIn(String namespace) {
        for (int i = 0; i < 30; i++) {
            if (sh("ip netns pids " + namespace).output().isBlank()) {
                return;
            }
            sh("ip netns pids " + namespace + " | xargs -r kill -9");
            sleep(0.1);
        }
        throw new IllegalStateException("processes left in " + namespace + ": " + sh("ip netns pids " + namespace).output());
    }

    /** What this lab left behind: its namespaces and processes running its files (empty after close). */
    List<String> leftovers() {
        List<String> left = new ArrayList<>();
        for (String line : sh("ip netns list").output().split("\n")) {
            if (line.startsWith(id + "-")) {
                left.add("namespace " + line.split(" ")[0]);
            }
        }
        for (String line : sh("pgrep -af " + dir).output().split("\n")) {
            if (!line.isBlank() && !line.contains("pgrep")) {
                left.add("process " + line);
            }
        }
        return left;
    }

    private void copy(String resource) {
        try (var in = Lab.class.getResourceAsStream("/" + resource)) {
            Files.write(dir.resolve(Path.of(resource).getFileName()), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String name, String content) {
        try {
            Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeExecutable(String name, String content) {
        write(name, content);
        try {
            Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a shell command (20 s at most). */
    static Netns.Result sh(String command) {
        return Netns.exec("bash", "-c", command);
    }

    private static void run(String command) {
        Netns.Result r = sh(command);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("lab setup: `" + command + "` failed: " + r.output());
        }
    }
}
