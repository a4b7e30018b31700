package dev.kubeha.scripts;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.render.etcd.EtcdNodeScripts;
import dev.kubeha.scripts.ExternalEtcdScriptsTest.ApiServerClient;
import dev.kubeha.testing.LocalEtcd;
import dev.kubeha.testing.Netns;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.TempDirs;
import dev.kubeha.testing.TestLanes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The external etcd's certificates renewed for real: a 3-member etcd (Debian's etcd-server, TLS to clients and between
 * members, as {@link ExternalEtcdScriptsTest} runs it) whose server, peer and healthcheck-client certificates and the
 * API server's client certificate end in 10 days. {@code <node>-etcd-certificates} on each etcd node, one at a time,
 * and {@code <node>-etcd-client-certificate} on a control-plane node, run through the script harness as the provider
 * runs them, renew them from the etcd CA of the state: the members serve the new certificates on their client and
 * peer ports without a restart (the same processes), a writer through the API server's client certificate commits
 * throughout, the CA key stays only on the node that made the CA, and a second run changes nothing.
 * <p>
 * Stood in for, as in {@link ExternalEtcdScriptsTest}: kubeadm ({@code src/test/resources/etcd/kubeadm-stand-in.sh},
 * whose {@code certs renew} re-signs with openssl from the existing certificate's subject, SANs and usages, as
 * kubeadm's renewal manager does) and the container runtime.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(TestLanes.LOOPBACK_PORTS)
class ExternalEtcdCertificatesTest {
    static final LocalDate DAY = LocalDate.of(2026, 12, 7);
    /** Addresses of their own: ExternalEtcdScriptsTest's (127.0.31.11-13) may serve in another run on this machine. */
    static final Map<String, String> ADDRESSES = new LinkedHashMap<>();

    static {
        ADDRESSES.put("k8s-etcd1", "127.0.31.21");
        ADDRESSES.put("k8s-etcd2", "127.0.31.22");
        ADDRESSES.put("k8s-etcd3", "127.0.31.23");
    }
    static final DateTimeFormatter OPENSSL_DATE = DateTimeFormatter.ofPattern("MMM d HH:mm:ss yyyy z", Locale.US);

    @BeforeAll
    static void etcdAndOpensslInstalled() {
        assumeTrue(LocalEtcd.available(), "needs Debian's etcd-server and etcd-client (/usr/bin/etcd, /usr/bin/etcdctl)");
        assumeTrue(Netns.onPath("openssl"), "needs openssl (the certificates' stand-in for kubeadm's)");
    }

    /** Days from now until the end of the certificate openssl prints (notAfter=...). */
    static long daysLeft(String opensslOutput) {
        String line = opensslOutput.lines().filter(l -> l.startsWith("notAfter=")).findFirst()
                .orElseThrow(() -> new AssertionError("no notAfter in: " + opensslOutput));
        ZonedDateTime end = ZonedDateTime.parse(line.substring("notAfter=".length()).replaceAll(" +", " "), OPENSSL_DATE);
        return ChronoUnit.DAYS.between(ZonedDateTime.now(ZoneOffset.UTC), end);
    }

    static long daysLeft(Path certificate) {
        return daysLeft(Netns.exec("openssl", "x509", "-noout", "-enddate", "-in", certificate.toString()).output());
    }

    /** The certificate a member serves on PORT, read by a client with the node's healthcheck-client certificate. */
    static long servedDaysLeft(ScriptHarness node, String address, int port) {
        Path pki = node.root().resolve("etc/kubernetes/pki/etcd");
        Netns.Result r = Netns.exec("bash", "-c", "openssl s_client -connect " + address + ":" + port + " -cert "
                + pki.resolve("healthcheck-client.crt") + " -key " + pki.resolve("healthcheck-client.key") + " -CAfile "
                + pki.resolve("ca.crt") + " </dev/null 2>/dev/null | openssl x509 -noout -enddate");
        return daysLeft(r.output());
    }

    static String pid(ScriptHarness node) throws Exception {
        return Files.readString(node.root().resolve("etcd.pid")).strip();
    }

    /**
     * A cluster made 355 days ago: the etcd CA, three members started together and the first control-plane node's
     * etcd client files, every certificate the etcd CA signed ending in 10 days. Closing it stops every member and
     * removes every node's directory.
     */
    static final class TenDayCluster implements AutoCloseable {
        final ClusterConfig config = ExternalEtcdScriptsTest.config(ADDRESSES);
        final Map<String, ScriptHarness> nodes = new LinkedHashMap<>();
        final Node master = config.controlPlane().get(0);
        final ScriptHarness controlPlane = new ScriptHarness(ScriptHarness.UBUNTU).stub("kubeadm",
                "exec bash " + ScriptHarness.shellQuote(ExternalEtcdScriptsTest.KUBEADM.toString()) + " \"$@\"");
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        EtcdNodeScripts.Credentials etcd;

        TenDayCluster() throws Exception {
            try {
                start();
            } catch (Exception | AssertionError e) {
                close();
                throw e;
            }
        }

        private void start() throws Exception {
            ADDRESSES.forEach((n, address) -> nodes.put(n, ExternalEtcdScriptsTest.machine(n, address)));
            for (ScriptHarness node : nodes.values()) {
                Files.writeString(node.root().resolve("kubeadm-days"), "10");
            }
            ScriptHarness.Run ca = nodes.get("k8s-etcd1").run(EtcdNodeScripts.ca(config));
            assertEquals(0, ca.exitCode(), ca.stderr());
            this.etcd = EtcdNodeScripts.Credentials.parse(ca.stdout());
            ExternalEtcdScriptsTest.startMembersTogether(config, nodes, etcd);
            for (ScriptHarness node : nodes.values()) {
                Files.delete(node.root().resolve("kubeadm-days"));  // kubeadm signs for its 365 days again
            }
            ScriptHarness.Run client = controlPlane.run(EtcdNodeScripts.client(master, etcd));
            assertEquals(0, client.exitCode(), client.stderr());
        }

        ScriptHarness.Run renew(Node n, LocalDate day) {
            return nodes.get(n.name()).run(EtcdNodeScripts.certificates(config, n, etcd, day));
        }

        @Override
        public void close() throws Exception {
            pool.shutdownNow();
            List<ScriptHarness> all = new ArrayList<>(nodes.values());
            all.add(controlPlane);
            for (ScriptHarness node : all) {
                ExternalEtcdScriptsTest.kill(node);
                TempDirs.delete(node.dir());
            }
        }
    }

    @Test
    void certificatesEndingIn10DaysAreRenewedOneNodeAtATimeWhileEtcdServesWithoutARestart() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        try (TenDayCluster cluster = new TenDayCluster()) {
            ClusterConfig config = cluster.config;
            Map<String, ScriptHarness> nodes = cluster.nodes;
            Node master = cluster.master;
            ScriptHarness controlPlane = cluster.controlPlane;
            EtcdNodeScripts.Credentials etcd = cluster.etcd;
            ExecutorService pool = cluster.pool;
            Path cpPki = controlPlane.root().resolve("etc/kubernetes/pki");
            Path apiDir = Files.createDirectories(controlPlane.dir().resolve("api-server"));
            assertTrue(daysLeft(cpPki.resolve("apiserver-etcd-client.crt")) <= 10);
            for (String address : ADDRESSES.values()) {
                assertTrue(servedDaysLeft(nodes.get("k8s-etcd1"), address, 2379) <= 10, address);
            }
            Map<String, String> pids = new LinkedHashMap<>();
            for (Map.Entry<String, ScriptHarness> e : nodes.entrySet()) {
                pids.put(e.getKey(), pid(e.getValue()));
            }

            // The API server's view, reading its certificate files at each connection as its etcd client does: a write
            // every 200 ms to the three members in turn, through every renewal (bounded: 10 minutes at most).
            Future<List<String>> writer = pool.submit(() -> {
                List<String> failed = new ArrayList<>();
                List<String> addresses = List.copyOf(ADDRESSES.values());
                for (int i = 0; i < 3000 && writing.get(); i++) {
                    String address = addresses.get(i % 3);
                    Netns.Result put = write(cpPki, apiDir, address, i);
                    if (put.exitCode() != 0) {
                        // kubeadm writes a renewed key, then its certificate: a connection made in between fails its
                        // handshake, and the API server's client tries again.
                        Thread.sleep(300);
                        put = write(cpPki, apiDir, address, i);
                    }
                    if (put.exitCode() != 0) {
                        failed.add(address + " write " + i + ": " + put.output());
                    }
                    Thread.sleep(200);
                }
                return failed;
            });

            // <node>-etcd-certificates, one etcd node at a time, as the engine chains them.
            for (Node n : config.etcdNodes()) {
                ScriptHarness node = nodes.get(n.name());
                ScriptHarness.Run r = node.run(EtcdNodeScripts.certificates(config, n, etcd, DAY));
                assertEquals(0, r.exitCode(), n.name() + ":\n" + r.stderr());
                assertTrue(r.stderr().contains("etcd certificates of " + n.name() + " ending within 30 days: etcd/server.crt "
                        + "etcd/peer.crt etcd/healthcheck-client.crt"), r.stderr());
                assertTrue(r.stderr().contains("etcd certificates of " + n.name() + " renewed"), r.stderr());
                assertTrue(r.called("kubeadm certs renew etcd-server --config"), r.calls().toString());
                assertFalse(r.stderr().contains(etcd.caKey()) || String.join(" ", r.calls()).contains(etcd.caKey()),
                        "the CA key is in no log and no argv");
                Path pki = node.root().resolve("etc/kubernetes/pki/etcd");
                for (String cert : List.of("server", "peer", "healthcheck-client")) {
                    assertTrue(daysLeft(pki.resolve(cert + ".crt")) >= 360, n.name() + " " + cert);
                }
                assertEquals(n.name().equals("k8s-etcd1"), Files.exists(pki.resolve("ca.key")),
                        "only the node that made the CA keeps its key");
                // The same SANs and subject as kubeadm made them.
                Netns.Result san = Netns.exec("openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName,extendedKeyUsage",
                        "-in", pki.resolve("server.crt").toString());
                assertTrue(san.output().contains("CN = " + n.name()) && san.output().contains("DNS:" + n.name())
                        && san.output().contains("IP Address:" + n.address())
                        && san.output().contains("TLS Web Server Authentication, TLS Web Client Authentication"), san.output());
                // Served at once on both ports by the same process: etcd reads its files at each new connection.
                assertTrue(servedDaysLeft(node, n.address(), 2379) >= 360, n.name() + " client port");
                assertTrue(servedDaysLeft(node, n.address(), 2380) >= 360, n.name() + " peer port");
                assertEquals(pids.get(n.name()), pid(node), n.name() + "'s etcd was not restarted");
            }

            // <master>-etcd-client-certificate: the API server's client certificate, from the same CA.
            ScriptHarness.Run renewed = controlPlane.run(EtcdNodeScripts.clientCertificate(config, master, etcd, DAY));
            assertEquals(0, renewed.exitCode(), renewed.stderr());
            assertTrue(renewed.stderr().contains("the external etcd client certificate of k8s-master1 ends within 30 days"),
                    renewed.stderr());
            assertTrue(renewed.stderr().contains("the external etcd client certificate of k8s-master1 renewed: valid until"),
                    renewed.stderr());
            assertTrue(daysLeft(cpPki.resolve("apiserver-etcd-client.crt")) >= 360);
            assertFalse(Files.exists(cpPki.resolve("etcd/ca.key")), "the control plane keeps no etcd CA key");
            assertFalse(renewed.stderr().contains(etcd.caKey()), "the CA key is in no log");
            Netns.Result subject = Netns.exec("openssl", "x509", "-noout", "-subject", "-ext", "extendedKeyUsage", "-in",
                    cpPki.resolve("apiserver-etcd-client.crt").toString());
            assertTrue(subject.output().contains("CN = kube-apiserver-etcd-client")
                    && subject.output().contains("TLS Web Client Authentication"), subject.output());
            Thread.sleep(1000);  // a few writes with the renewed client certificate

            writing.set(false);
            assertEquals(List.of(), writer.get(60, TimeUnit.SECONDS), "every write committed during the renewals");
            ApiServerClient api = new ApiServerClient(apiDir);
            copyClient(cpPki, apiDir);
            for (String address : ADDRESSES.values()) {
                assertTrue(api.etcdctl(address, "get", "/registry/kubeha-renewal").output().contains("write "), address);
                assertEquals(3, api.members(address).size(), "quorum of three at " + address);
            }

            // pulumi up on the next day: nothing to renew, nothing written, nothing restarted.
            for (Node n : config.etcdNodes()) {
                ScriptHarness.Run again = nodes.get(n.name()).run(EtcdNodeScripts.certificates(config, n, etcd, DAY.plusDays(1)));
                assertEquals(0, again.exitCode(), again.stderr());
                assertTrue(again.stderr().contains("the etcd certificates of " + n.name() + " are valid for more than 30 days"),
                        again.stderr());
                assertTrue(again.stderr().contains("checked 2026-12-08"), again.stderr());
                assertFalse(again.called("kubeadm") || again.stderr().contains("wrote"), again.calls() + again.stderr());
            }
            ScriptHarness.Run clientAgain = controlPlane.run(EtcdNodeScripts.clientCertificate(config, master, etcd, DAY.plusDays(1)));
            assertEquals(0, clientAgain.exitCode(), clientAgain.stderr());
            assertTrue(clientAgain.stderr().contains("valid for more than 30 days"), clientAgain.stderr());
            assertFalse(clientAgain.called("kubeadm") || clientAgain.stderr().contains("wrote"), clientAgain.stderr());

            // <master>-etcd-client run again (its script changed with a new kubeha): the renewed pair stays, the
            // state's older one is not put back.
            String before = Files.readString(cpPki.resolve("apiserver-etcd-client.crt"));
            ScriptHarness.Run clientStep = controlPlane.run(EtcdNodeScripts.client(master, etcd));
            assertEquals(0, clientStep.exitCode(), clientStep.stderr());
            assertEquals(before, Files.readString(cpPki.resolve("apiserver-etcd-client.crt")), clientStep.stderr());
            assertTrue(clientStep.stderr().contains("keeps its client certificate for the external etcd"), clientStep.stderr());
        } finally {
            writing.set(false);
        }
    }

    /**
     * Certificates that ended while the members were down (every member stopped here): no member answers through its
     * cluster before or after its own renewal, so each node renews, warns, and lets the next go; started again, the
     * members have quorum with the renewed certificates.
     */
    @Test
    void membersThatDoNotAnswerBeforeTheRenewalAreRenewedAllTheSame() throws Exception {
        try (TenDayCluster cluster = new TenDayCluster()) {
            for (ScriptHarness node : cluster.nodes.values()) {
                ExternalEtcdScriptsTest.kill(node);
            }
            for (Node n : cluster.config.etcdNodes()) {
                ScriptHarness.Run r = cluster.renew(n, DAY);
                assertEquals(0, r.exitCode(), n.name() + ":\n" + r.stderr());
                assertTrue(r.stderr().contains("WARNING: the etcd member of " + n.name() + " did not answer through its "
                        + "cluster before the renewal"), r.stderr());
                assertTrue(daysLeft(cluster.nodes.get(n.name()).root().resolve("etc/kubernetes/pki/etcd/server.crt")) >= 360);
            }
            for (ScriptHarness node : cluster.nodes.values()) {
                ExternalEtcdScriptsTest.restart(node);
            }
            ApiServerClient api = new ApiServerClient(copyOf(cluster));
            String address = ADDRESSES.get("k8s-etcd3");
            for (int i = 0; i < 20 && api.etcdctl(address, "put", "/registry/back", "yes").exitCode() != 0; i++) {
                Thread.sleep(1000);  // the members elect a leader again (bounded: 20 tries, 1 s apart)
            }
            assertEquals(0, api.etcdctl(address, "put", "/registry/back", "yes").exitCode(),
                    "quorum again with the renewed certificates");
            for (Node n : cluster.config.etcdNodes()) {
                ScriptHarness.Run again = cluster.renew(n, DAY.plusDays(1));
                assertEquals(0, again.exitCode(), again.stderr());
                assertTrue(again.stderr().contains("valid for more than 30 days"), again.stderr());
            }
        }
    }

    private static Path copyOf(TenDayCluster cluster) throws java.io.IOException {
        Path dir = Files.createDirectories(cluster.controlPlane.dir().resolve("api-server"));
        copyClient(cluster.controlPlane.root().resolve("etc/kubernetes/pki"), dir);
        return dir;
    }

    /** A write through the API server's client certificate as its files are now. */
    private static Netns.Result write(Path pki, Path dir, String address, int i) throws java.io.IOException {
        copyClient(pki, dir);
        return new ApiServerClient(dir).etcdctl(address, "put", "/registry/kubeha-renewal", "write " + i);
    }

    /** The API server's files as it reads them: its etcd CA and its client pair. */
    private static void copyClient(Path pki, Path dir) throws java.io.IOException {
        Files.copy(pki.resolve("etcd/ca.crt"), dir.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.resolve("apiserver-etcd-client.crt"), dir.resolve("apiserver-etcd-client.crt"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.resolve("apiserver-etcd-client.key"), dir.resolve("apiserver-etcd-client.key"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
