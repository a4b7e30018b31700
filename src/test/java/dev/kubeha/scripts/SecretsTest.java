package dev.kubeha.scripts;

import dev.kubeha.Main;
import dev.kubeha.components.WorkerTokens;
import dev.kubeha.plan.Recorder.Registration;
import dev.kubeha.testing.ClusterMocks;
import dev.kubeha.testing.CommandProvider;
import dev.kubeha.testing.ProgramRun;
import dev.kubeha.testing.ScriptHarness;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Canaries: every secret kubeha generates gets a known value; the program runs under the mock engine, every step
 * that carries a secret runs through the provider model on a node whose tools print what the real ones print, and
 * no canary may appear in a plain input, a plain output, a log line, an argv or an environment.
 */
class SecretsTest {
    static final String REMOTE = "command:remote:Command";
    static final String BOX_TOKEN = "box-token-canary";
    /** The vagrant stack with a box URL that carries a token (kubeha keeps a set box URL secret). */
    static final Map<String, String> WITH_BOX_URL = Map.of("vagrantBoxUrl",
            "https://user:" + BOX_TOKEN + "@boxes.example.org/jammy.box");

    /** Mocks whose random secrets and VM keys are canaries. */
    static final class CanaryMocks extends ClusterMocks {
        final Set<String> canaries = ConcurrentHashMap.newKeySet();
        /** What each resource's provider returned beyond its inputs (stdout, result, ...), by resource name. */
        final Map<String, Map<String, Object>> outputs = new ConcurrentHashMap<>();

        CanaryMocks() {
            // The admin kubeconfig's client key, as the kubeconfig step prints it, and a box URL's token.
            canaries.add("RkFLRS1LRVk=");
            canaries.add(BOX_TOKEN);
        }

        @Override
        @SuppressWarnings("unchecked")
        public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
            return super.newResourceAsync(args).thenApply(r -> {
                if (args.type.equals("random:index/randomPassword:RandomPassword")) {
                    String value = (String) ((Map<?, ?>) r.state).get("result");
                    // A bootstrap token is id.secret: only the 16 characters after the id are secret.
                    canaries.add(value.length() == 22 ? value.substring(6) : value);
                }
                if (args.name.endsWith("-vm")) {
                    canaries.add("FAKE-" + args.name.substring(0, args.name.length() - 3));
                }
                Map<String, Object> out = new java.util.HashMap<>((Map<String, Object>) r.state);
                out.keySet().removeAll(args.inputs.keySet());
                outputs.put(args.name, out);
                return r;
            });
        }

        Optional<String> foundIn(String text) {
            return canaries.stream().filter(text::contains).findFirst();
        }
    }

    /**
     * A control-plane node whose kubeadm prints what kubeadm prints (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/
     * init: bootstraptoken.go "[bootstrap-token] Using token: T" unless --skip-token-print; uploadcerts.go
     * "[upload-certs] Using certificate key:\nK" unless --skip-certificate-key-print; showjoincommand.go the join
     * commands with the token and key unless both flags), with the values from the --config file it is given.
     */
    static ScriptHarness node() {
        String fromConfig = "cfg=''; prev=''; for a; do [ \"$prev\" = --config ] && cfg=\"$a\"; prev=\"$a\"; done; "
                + "token=$(sed -n 's/^ *-\\{0,1\\} *token: *//p' \"$cfg\" | head -1); key=$(sed -n 's/^ *certificateKey: *//p' \"$cfg\" | head -1); "
                + "skip_token=false; skip_key=false; case \" $* \" in *' --skip-token-print '*) skip_token=true;; esac; "
                + "case \" $* \" in *' --skip-certificate-key-print '*) skip_key=true;; esac; "
                + "$skip_token && token='<value withheld>'; $skip_key && key='<value withheld>'; ";
        return NodeScriptsTest.controlPlaneNode()
                .stub("kubeadm", fromConfig + "case \"$1 $2\" in "
                        + "'version '*) echo v1.31.4;; "
                        + "'init --config') mkdir -p \"$KUBEHA_ROOT/etc/kubernetes/pki\"; touch \"$KUBEHA_ROOT/etc/kubernetes/admin.conf\"; "
                        + "  $skip_token || echo \"[bootstrap-token] Using token: $token\"; "
                        + "  $skip_key || printf '[upload-certs] Using certificate key:\\n%s\\n' \"$key\"; "
                        + "  echo \"  kubeadm join 192.168.56.100:6443 --token $token --control-plane --certificate-key $key\";; "
                        + "'init phase') $skip_key || printf '[upload-certs] Using certificate key:\\n%s\\n' \"$key\";; "
                        + "'join --config') mkdir -p \"$KUBEHA_ROOT/etc/kubernetes\"; touch \"$KUBEHA_ROOT/etc/kubernetes/kubelet.conf\"; "
                        + "  echo 'This node has joined the cluster';; "
                        + "esac")
                // Nothing answers at the VIP before init; the node's own API server answers after a join.
                .stub("curl", "case \"$*\" in *http_code*) printf 000;; *) echo ok;; esac")
                .stub("ip", "echo '3: eth1    inet 192.168.56.5/24 brd 192.168.56.255 scope global eth1\\       valid_lft forever'")
                .stub("systemctl", "exit 0")
                .stubs("kubectl", "sleep", "haproxy", "keepalived", "logger");
    }

    @Test
    void noSecretReachesAPlainInputOrOutputALogAnArgvOrAnEnvironment() {
        CanaryMocks mocks = new CanaryMocks();
        ProgramRun program = ProgramRun.of(Stacks.raw("vagrant", WITH_BOX_URL), mocks, Main::stack);
        assertEquals(0, program.result.exitCode(), program.result.errors().toString());
        assertTrue(mocks.canaries.size() > 10, "a canary for every generated secret: " + mocks.canaries.size());
        for (String live : List.of(BOX_TOKEN, "RkFLRS1LRVk=")) {
            assertTrue(program.registrations().stream().anyMatch(r -> String.valueOf(r.inputs()).contains(live)),
                    "the canary reaches some (secret) input: " + live);
        }
        List<String> leaks = plainLeaks(mocks, program);
        List<String> ran = new ArrayList<>();
        for (Registration r : program.ofType(REMOTE)) {
            if (!r.secretInputs().contains("stdin")) {
                continue;
            }
            if (!r.additionalSecretOutputs().containsAll(List.of("stdout", "stderr")) || !"none".equals(r.inputs().get("logging"))) {
                leaks.add(r.name() + ": its stdin is a secret, but its stdout and stderr are logged or plain: "
                        + r.additionalSecretOutputs() + " logging " + r.inputs().get("logging"));
            }
            ScriptHarness h = node();
            ScriptHarness.Run run = h.run((String) r.inputs().get("stdin"));
            ran.add(r.name());
            check(mocks, leaks, r.name(), run);
        }
        assertTrue(ran.containsAll(List.of("k8s-master1-init", "k8s-master2-credentials", "k8s-master2-join",
                "k8s-worker1-join", WorkerTokens.batchOf("k8s-worker1"), "k8s-lb1-configure")), ran.toString());
        assertEquals(List.of(), leaks);
    }

    /** Canaries in a plain stack output, a plain input or a plain provider output. */
    private static List<String> plainLeaks(CanaryMocks mocks, ProgramRun program) {
        List<String> leaks = new ArrayList<>();
        program.result.outputs().forEach((key, value) -> {
            if (!ProgramRun.isSecret(value)) {
                mocks.foundIn(String.valueOf(ProgramRun.value(value))).ifPresent(c -> leaks.add("stack output " + key));
            }
        });
        for (Registration r : program.registrations()) {
            r.inputs().forEach((key, value) -> {
                if (!r.secretInputs().contains(key)) {
                    mocks.foundIn(String.valueOf(value)).ifPresent(c -> leaks.add(r.name() + ": plain input " + key));
                }
            });
        }
        for (Registration r : program.registrations()) {
            mocks.outputs.getOrDefault(r.name(), Map.of()).forEach((key, value) -> {
                if (!r.additionalSecretOutputs().contains(key)) {
                    mocks.foundIn(String.valueOf(value)).ifPresent(c -> leaks.add(r.name() + ": plain output " + key));
                }
            });
        }
        return leaks;
    }

    /**
     * With etcdNodes, the etcd CA's key and the API server's client key (as the etcd-ca step prints them, base64, and
     * as the PEM files hold them) reach no plain input or output, and the steps that carry them (each etcd member,
     * the first control-plane node's etcd-client) log them nowhere and pass them in no argv or environment.
     */
    @Test
    void externalEtcdKeysReachNoPlainInputOrOutputLogArgvOrEnvironment() {
        CanaryMocks mocks = new CanaryMocks();
        mocks.canaries.addAll(List.of("RkFLRS1FVENELUNBLUtFWQ==", "FAKE-ETCD-CA-KEY", "RkFLRS1FVENELUNMSUVOVC1LRVk=", "FAKE-ETCD-CLIENT-KEY"));
        ProgramRun program = ProgramRun.of(Stacks.raw("vagrant", Map.of("etcdNodes",
                "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]")), mocks, Main::stack);
        assertEquals(0, program.result.exitCode(), program.result.errors().toString());
        List<String> leaks = plainLeaks(mocks, program);
        List<String> ran = new ArrayList<>();
        for (Registration r : program.ofType(REMOTE)) {
            boolean renewal = r.name().endsWith("-etcd-certificates") || r.name().endsWith("-etcd-client-certificate");
            if (!renewal && !r.name().endsWith("-etcd-member") && !r.name().endsWith("-etcd-client")) {
                continue;
            }
            assertTrue(r.secretInputs().contains("stdin") && r.additionalSecretOutputs().containsAll(List.of("stdout", "stderr"))
                    && "none".equals(r.inputs().get("logging")), r.name());
            ScriptHarness h = new ScriptHarness(ScriptHarness.UBUNTU)
                    .stub("kubeadm", "echo registry.k8s.io/etcd:3.6.5-0")
                    .stub("crictl", "case \"$*\" in *' ps '*) echo etcd-standin;; esac; exit 0")
                    .stub("ctr", "exit 1")
                    .stubs("systemctl", "sleep");
            if (renewal) {
                dueForRenewal(h);
            }
            ScriptHarness.Run run = h.run((String) r.inputs().get("stdin"));
            assertEquals(0, run.exitCode(), r.name() + ": " + run.stderr());
            ran.add(r.name());
            check(mocks, leaks, r.name(), run);
        }
        assertEquals(List.of("k8s-master1-etcd-client", "k8s-master1-etcd-client-certificate", "k8s-master2-etcd-client-certificate",
                        "k8s-master3-etcd-client-certificate", "k8s-etcd1-etcd-certificates", "k8s-etcd1-etcd-member",
                        "k8s-etcd2-etcd-certificates", "k8s-etcd2-etcd-member", "k8s-etcd3-etcd-certificates", "k8s-etcd3-etcd-member"),
                ran.stream().sorted(java.util.Comparator.comparing((String n) -> !n.contains("master")).thenComparing(n -> n)).toList());
        assertEquals(List.of(), leaks);
    }

    /**
     * A node whose etcd certificates (and API server's etcd client certificate) are due: the daily renewal steps write
     * the etcd CA key and run kubeadm's renewal, which makes them valid (openssl reads them due until kubeadm ran).
     */
    private static void dueForRenewal(ScriptHarness h) {
        try {
            java.nio.file.Path k8s = h.root().resolve("etc/kubernetes");
            java.nio.file.Files.createDirectories(k8s.resolve("manifests"));
            java.nio.file.Files.createDirectories(k8s.resolve("pki/etcd"));
            java.nio.file.Files.writeString(k8s.resolve("manifests/etcd.yaml"), "kind: Pod\n");
            java.nio.file.Files.writeString(k8s.resolve("pki/apiserver-etcd-client.crt"), "stand-in\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        h.stub("kubeadm", "case \"$*\" in 'certs renew'*) touch \"$KUBEHA_ROOT/renewed\";; 'version -o short') echo v1.36.0;; "
                        + "*) echo registry.k8s.io/etcd:3.6.5-0;; esac")
                .stub("openssl", "case \"$*\" in *-checkend*) [ -f \"$KUBEHA_ROOT/renewed\" ];; "
                        + "*-enddate*) echo 'notAfter=Dec  7 00:00:00 2027 GMT';; esac");
    }

    @Test
    void aFailingJoinsErrorCarriesNoSecret() {
        CanaryMocks mocks = new CanaryMocks();
        ProgramRun program = ProgramRun.of(Stacks.raw("vagrant", Map.of()), mocks, Main::stack);
        ScriptHarness h = node().stub("kubeadm", "echo '[preflight] Running pre-flight checks'; "
                + "echo 'error execution phase preflight: couldn't validate the identity of the API Server' >&2; exit 1");
        ScriptHarness.Run run = h.run((String) program.inputs("k8s-master2-join").get("stdin"));
        assertFalse(run.provider().ok());
        List<String> leaks = new ArrayList<>();
        check(mocks, leaks, "k8s-master2-join", run);
        assertEquals(List.of(), leaks);
    }

    private static void check(CanaryMocks mocks, List<String> leaks, String step, ScriptHarness.Run run) {
        CommandProvider.Run p = run.provider();
        mocks.foundIn(run.stdout()).ifPresent(c -> leaks.add(step + ": stdout"));
        mocks.foundIn(run.stderr()).ifPresent(c -> leaks.add(step + ": stderr"));
        mocks.foundIn(p.error().orElse("")).ifPresent(c -> leaks.add(step + ": the error message"));
        mocks.foundIn(String.join("\n", run.calls())).ifPresent(c -> leaks.add(step + ": the argv of a command it ran"));
        mocks.foundIn(String.join("\n", run.environments())).ifPresent(c -> leaks.add(step + ": the environment of a command it ran"));
        mocks.foundIn(String.join(" ", p.argv()) + p.env()).ifPresent(c -> leaks.add(step + ": the step's own argv or environment"));
    }
}
