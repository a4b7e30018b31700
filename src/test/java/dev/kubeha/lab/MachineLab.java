package dev.kubeha.lab;

import dev.kubeha.testing.AddressMonitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The machine lab: booted Debian machines ({@link Machine}) on the {@link LabNetwork}, a signed copy of the Debian
 * packages they may install ({@link PackageRepository}) served over HTTP from the hub, the lab's SSH key, and the
 * operator's side (SSH clients run in the hub namespace). {@link #close()} removes all of it;
 * {@link #leftovers()} says what is still there.
 */
final class MachineLab implements AutoCloseable {
    static final int REPO_PORT = 8080;
    static final String REPO_URL = "http://" + LabNetwork.HUB + ":" + REPO_PORT;
    static final String VIP = LabNetwork.NET + "100";
    private static final Map<String, String> ADDRESSES = Map.of("lb1", "11", "lb2", "12", "cp1", "21", "cp2", "22", "cp3", "23",
            "worker1", "31", "worker2", "32", "bastion", "5");

    final Path dir;
    final Path key;
    final LabNetwork network;
    final RepositorySigner signer;
    final Ssh ssh;
    /** The stack settings that point nodes at the lab's stand-in Kubernetes repositories. */
    final Map<String, String> kubernetesPackages;
    private final Map<String, Machine> machines = new LinkedHashMap<>();
    private Process repoServer;
    private String bastion;
    private final Thread hook = new Thread(this::teardown);

    /** Why machines cannot boot here, or null. */
    static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the machine lab boots machines with systemd-nspawn and needs root (run the tests as root)";
        }
        for (String tool : List.of("systemd-nspawn", "debootstrap", "ip", "ssh", "ssh-keygen", "gpg", "dpkg-deb",
                "dpkg-scanpackages", "apt-get", "python3", "openssl")) {
            if (!HostShell.onPath(tool)) {
                return tool + " is not installed (.ci/run installs: systemd-container debootstrap dpkg-dev gpg openssh-client)";
            }
        }
        if (!HostShell.sh("grep -qw overlay /proc/filesystems || modprobe overlay", 10).ok()) {
            return "the kernel has no overlay filesystem";
        }
        if (!HostShell.sh("ip netns list", 10).ok()) {
            return "`ip netns` does not work here";
        }
        return null;
    }

    /** Boots the named machines (lb1, lb2, cp1..cp3, worker1, worker2, bastion). */
    MachineLab(List<String> names) {
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "machine-lab-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            network = new LabNetwork();
            signer = new RepositorySigner(dir);
            ssh = new Ssh(network.hub());
            key = dir.resolve("id_ed25519");
            HostShell.run("ssh-keygen -q -t ed25519 -N '' -C kubeha-lab -f " + key);
            Path www = dir.resolve("www");
            PackageRepository.publish(www.resolve("debian"), signer);
            signer.binaryKeyring(dir);
            kubernetesPackages = StandInKubernetes.publish(www, signer);
            startRepositoryServer(www);
            String authorized = Files.readString(Path.of(key + ".pub"));
            for (String name : names) {
                Machine m = new Machine(network, name, address(name), dir, authorized);
                machines.put(name, m);
                // The lab's machines are thrown away: dpkg need not fsync every file it unpacks (as Docker's Debian
                // image builds do, docker-apt-speedup). The scripts' apt and dpkg calls are the same either way.
                m.write("etc/dpkg/dpkg.cfg.d/kubeha-lab-unsafe-io", "force-unsafe-io\n");
                m.write("etc/apt/sources.list.d/kubeha-lab-debian.list", "deb [signed-by=/etc/apt/keyrings/kubeha-lab-debian.gpg] "
                        + REPO_URL + "/debian/ /\n");
                HostShell.run("mkdir -p " + m.root() + "/etc/apt/keyrings && cp " + dir.resolve("kubeha-lab-keyring.gpg") + " "
                        + m.root() + "/etc/apt/keyrings/kubeha-lab-debian.gpg");
            }
            // All at once: each machine's systemd starts while the others' do.
            machines.values().forEach(Machine::start);
            machines.values().forEach(Machine::awaitSsh);
            awaitBooted(names);
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    static String address(String name) {
        String last = ADDRESSES.get(name);
        if (last == null) {
            throw new IllegalArgumentException("no lab address for " + name);
        }
        return LabNetwork.NET + last;
    }

    Machine machine(String name) {
        return machines.get(name);
    }

    /**
     * Waits until every machine's systemd has finished booting (sshd accepts connections before the boot is over,
     * and a session opened then may be cut): {@code systemctl is-system-running --wait} returns once the boot is over
     * (running, or degraded when a unit failed, which a container's boot may show). Until the boot is over the
     * machine refuses the sudo user's login and ssh exits 255: systemd creates /run/nologin at boot
     * (systemd/systemd tmpfiles.d/systemd-nologin.conf), Debian's sshd PAM stack checks it (pam_nologin in
     * /etc/pam.d/sshd), and systemd-user-sessions.service removes it late in the boot.
     *
     * <p>A machine boots in 3 s alone and in under 30 s with seven others on two cores. Two CI runs on a loaded
     * machine saw one refuse logins for minutes: its systemd had blocked writing to an unread console (fixed, see
     * {@link Machine}). Should a boot hang again, a machine not booted after 150 s is reported on the test output
     * (where its systemd waits, its processes, its journal, read from the host) and started once more on the same
     * disk; a second 150 s without a boot fails with the report. This is the lab's own machine start, before any
     * step of kubeha runs.
     */
    private void awaitBooted(List<String> names) {
        List<String> waiting = awaitBooted(names, 150);
        if (waiting.isEmpty()) {
            return;
        }
        for (String name : waiting) {
            Machine m = machines.get(name);
            System.out.println("machine lab: " + name + " did not finish booting in 150 s; started again. Its state:\n"
                    + m.insideState());
            m.stop();
            m.boot();
        }
        List<String> still = awaitBooted(waiting, 150);
        if (!still.isEmpty()) {
            StringBuilder report = new StringBuilder("machines did not finish booting, twice:");
            still.forEach(name -> report.append("\n").append(name).append("'s console:\n").append(machines.get(name).console())
                    .append("\n").append(name).append(" seen from the host:\n").append(machines.get(name).insideState()));
            throw new IllegalStateException(report.toString());
        }
    }

    /**
     * Asks every machine in {@code names} every 0.5 s until all have booted or {@code seconds} have passed (then
     * the round in flight ends, at most 75 s more); the machines that have not booted.
     */
    private List<String> awaitBooted(List<String> names, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<String> notBooted = names;
        for (int round = 1; round <= 2 * seconds && System.nanoTime() < deadline; round++) {
            Map<String, Ssh.Result> states = rootOnEach(notBooted, "timeout 60 systemctl is-system-running --wait; true");
            notBooted = states.entrySet().stream()
                    .filter(e -> e.getValue().exitCode() != 0 || !List.of("running", "degraded").contains(e.getValue().stdout().trim()))
                    .map(Map.Entry::getKey).toList();
            if (notBooted.isEmpty()) {
                break;
            }
            HostShell.sleep(0.5);
        }
        return notBooted;
    }

    /** {@link #root} on every one of {@code machines} at once; the results by machine. */
    Map<String, Ssh.Result> rootOnEach(List<String> machines, String command) {
        ExecutorService pool = Executors.newFixedThreadPool(machines.size());
        try {
            Map<String, Future<Ssh.Result>> running = new LinkedHashMap<>();
            machines.forEach(m -> running.put(m, pool.submit(() -> root(m, command))));
            Map<String, Ssh.Result> results = new LinkedHashMap<>();
            for (Map.Entry<String, Future<Ssh.Result>> e : running.entrySet()) {
                results.put(e.getKey(), e.getValue().get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs a command as root on a machine, over SSH as the sudo user (what an operator checking by hand does). */
    Ssh.Result root(String machine, String command) {
        return ssh.run(target(machine), "sudo -n bash -c " + HostShell.quote(command), 120);
    }

    Ssh.Target target(String machine) {
        Ssh.Target direct = new Ssh.Target(address(machine), RootFilesystem.USER, key);
        if (bastion == null || machine.equals(bastion)) {
            return direct;
        }
        return new Ssh.Target(direct.host(), 22, direct.user(), key, new Ssh.Target(address(bastion), RootFilesystem.USER, key));
    }

    /**
     * From now on the operator's side reaches the machines only through {@code jumpHost}: SSH from the hub to any
     * other machine is rejected (in the hub's namespace, apart from the machines' own firewalls).
     */
    void onlyThrough(String jumpHost) {
        HostShell.run("ip netns exec " + network.hub() + " iptables -A OUTPUT -p tcp --dport 22 ! -d " + address(jumpHost)
                + " -j REJECT --reject-with tcp-reset");
        bastion = jumpHost;
    }

    /** An existing-hosts stack pointed at the machines: "kubeha:key" to value, as the engine passes config. */
    Map<String, String> stack(Map<String, String> settings) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("provisioner", "existing");
        config.put("vip", VIP);
        config.put("vipPrefixLength", Integer.toString(LabNetwork.PREFIX_LENGTH));
        config.put("sshUser", RootFilesystem.USER);
        config.put("sshPrivateKeyPath", key.toString());
        config.put("sshDialErrorLimit", "3");
        config.putAll(settings);
        Map<String, String> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put("kubeha:" + k, v));
        return out;
    }

    /** A JSON list of NAME=ADDRESS for the named machines (loadBalancers, controlPlaneNodes, workers). */
    static String nodes(String... names) {
        List<String> items = new ArrayList<>();
        for (String n : names) {
            items.add("\"" + n + "=" + address(n) + "\"");
        }
        return "[" + String.join(",", items) + "]";
    }

    /** The machines among {@code names} whose eth0 holds the VIP, asked from the kernel (not through the machine). */
    List<String> vipHolders(List<String> names) {
        List<String> holders = new ArrayList<>();
        for (String n : names) {
            if (HostShell.sh("ip -n " + machine(n).namespace + " -4 -o addr show dev eth0", 5).output().contains(" " + VIP + "/")) {
                holders.add(n);
            }
        }
        return holders;
    }

    /** Waits until exactly {@code holder} (of {@code names}) holds the VIP; seconds it took, or -1 after {@code limit}. */
    double awaitVip(String holder, List<String> names, double limit) {
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < limit) {
            if (vipHolders(names).equals(List.of(holder))) {
                return (System.nanoTime() - start) / 1e9;
            }
            HostShell.sleep(0.01);
        }
        return -1;
    }

    /** The processes called {@code command} on a machine, found from the host (its network namespace's PIDs). */
    List<ProcessHandle> processes(String machine, String command) {
        List<ProcessHandle> found = new ArrayList<>();
        for (String pid : HostShell.sh("ip netns pids " + machine(machine).namespace, 10).output().trim().split("\\s+")) {
            if (pid.isEmpty()) {
                continue;
            }
            try {
                if (Files.readString(Path.of("/proc", pid, "comm")).trim().equals(command)) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(found::add);
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return found;
    }

    /** SIGKILLs every process called {@code command} on a machine, from the host (no SSH round trip in the way). */
    void kill(String machine, String command) {
        kill(processes(machine, command));
    }

    /** SIGKILLs the given processes at once, from this JVM (no process to start between the call and the signal). */
    static void kill(List<ProcessHandle> processes) {
        processes.forEach(ProcessHandle::destroyForcibly);
    }

    /** Reports, from the kernel, each time the VIP comes ({@code true}) to or goes from a machine's eth0. */
    AddressMonitor watchVip(String machine, Consumer<Boolean> onChange) {
        return AddressMonitor.start(machine(machine).namespace, VIP, onChange);
    }

    private void startRepositoryServer(Path www) {
        try {
            repoServer = new ProcessBuilder("ip", "netns", "exec", network.hub(), "python3", "-m", "http.server", Integer.toString(REPO_PORT),
                    "--bind", LabNetwork.HUB, "--directory", www.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("repository.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < 100; i++) {
            if (network.inHub("bash -c 'exec 3<>/dev/tcp/" + LabNetwork.HUB + "/" + REPO_PORT + "'", 5).ok()) {
                return;
            }
            HostShell.sleep(0.1);
        }
        throw new IllegalStateException("the lab's package repository server did not start");
    }

    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down
        }
    }

    private synchronized void teardown() {
        for (Machine m : machines.values()) {
            m.close();
        }
        if (repoServer != null) {
            repoServer.destroyForcibly();
            try {
                repoServer.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (signer != null) {
            signer.close();
        }
        if (network != null) {
            network.close();
        }
        HostShell.sh("rm -rf " + dir, 120);
    }

    /** Everything the lab made that is still there: namespaces, mounts, directories, processes. */
    /**
     * A scenario's teardown: its runner, then the lab (null when the lab could not boot), then the check that nothing
     * is left behind.
     */
    static void tearDown(MachineLab lab, StepRunner runner) {
        if (lab != null) {
            runner.close();
            lab.close();
            org.junit.jupiter.api.Assertions.assertEquals(List.of(), lab.leftovers(), "the lab left these behind");
        }
    }

    List<String> leftovers() {
        List<String> left = new ArrayList<>(network.leftovers());
        machines.values().forEach(m -> left.addAll(m.leftovers()));
        if (Files.exists(dir)) {
            left.add("directory " + dir);
        }
        for (String line : HostShell.sh("pgrep -af " + HostShell.quote(dir.toString()), 10).output().split("\n")) {
            if (!line.isBlank() && !line.contains("pgrep")) {
                left.add("process " + line);
            }
        }
        return left;
    }
}
