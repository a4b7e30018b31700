package dev.kubeha.render.kubeadm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kubeadm Init/Join configurations for the vagrant stack, both API versions, parsed back and checked field by field. */
class KubeadmConfigsTest {
    static final String TOKEN = "abcdef.0123456789abcdef";
    static final String KEY = "0123456789abcdef".repeat(4);
    static final String HASH = "sha256:" + "12".repeat(32);
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static ClusterConfig config(String version) {
        return Stacks.config("vagrant", Map.of("kubernetesVersion", version));
    }

    static List<JsonNode> documents(String yaml) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    static void assertNodeIp(JsonNode nodeRegistration, String address, boolean v1beta4) {
        JsonNode args = nodeRegistration.path("kubeletExtraArgs");
        if (v1beta4) {
            assertTrue(args.isArray(), "v1beta4: kubeletExtraArgs is a list");
            assertEquals("node-ip", args.get(0).path("name").asText());
            assertEquals(address, args.get(0).path("value").asText());
        } else {
            assertTrue(args.isObject(), "v1beta3: kubeletExtraArgs is a map");
            assertEquals(address, args.path("node-ip").asText());
        }
    }

    @ParameterizedTest(name = "Kubernetes {0}")
    @ValueSource(strings = {"1.31", "1.30.4"})
    void initConfiguration(String version) throws Exception {
        ClusterConfig c = config(version);
        boolean v4 = version.startsWith("1.31");
        Node m1 = c.firstControlPlane();
        String yaml = KubeadmConfigs.init(c, m1, TOKEN, KEY);
        Golden.assertMatches("KubeadmConfigsTest", "init-" + version, yaml);
        List<JsonNode> docs = documents(yaml);
        assertEquals(3, docs.size());
        JsonNode init = docs.get(0);
        JsonNode cluster = docs.get(1);
        JsonNode kubelet = docs.get(2);
        String api = v4 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";
        assertEquals(api, init.path("apiVersion").asText());
        assertEquals("InitConfiguration", init.path("kind").asText());
        assertEquals(TOKEN, init.path("bootstrapTokens").get(0).path("token").asText());
        assertEquals(KEY, init.path("certificateKey").asText());
        assertEquals("192.168.56.10", init.path("localAPIEndpoint").path("advertiseAddress").asText());
        assertEquals(6443, init.path("localAPIEndpoint").path("bindPort").asInt());
        assertEquals("k8s-master1", init.path("nodeRegistration").path("name").asText());
        assertNodeIp(init.path("nodeRegistration"), "192.168.56.10", v4);
        assertEquals(api, cluster.path("apiVersion").asText());
        assertEquals("ClusterConfiguration", cluster.path("kind").asText());
        assertEquals("192.168.56.100:6443", cluster.path("controlPlaneEndpoint").asText());
        assertEquals("10.244.0.0/16", cluster.path("networking").path("podSubnet").asText());
        assertEquals("10.96.0.0/12", cluster.path("networking").path("serviceSubnet").asText());
        assertEquals(v4 ? KubeadmConfigs.INSTALLED_VERSION : "v1.30.4", cluster.path("kubernetesVersion").asText(),
                "a minor is resolved on the node from the installed kubeadm; a patch is pinned");
        assertEquals("systemd", kubelet.path("cgroupDriver").asText());
    }

    @ParameterizedTest(name = "Kubernetes {0}")
    @ValueSource(strings = {"1.31", "1.30.4"})
    void joinConfigurations(String version) throws Exception {
        ClusterConfig c = config(version);
        boolean v4 = version.startsWith("1.31");
        Node m2 = c.controlPlane().get(1);
        Node w1 = c.workers().get(0);
        String cp = KubeadmConfigs.joinControlPlane(c, m2, TOKEN, HASH, KEY);
        String worker = KubeadmConfigs.joinWorker(c, w1, TOKEN, HASH);
        Golden.assertMatches("KubeadmConfigsTest", "join-control-plane-" + version, cp);
        Golden.assertMatches("KubeadmConfigsTest", "join-worker-" + version, worker);
        JsonNode j = documents(cp).get(0);
        assertEquals("JoinConfiguration", j.path("kind").asText());
        assertEquals("192.168.56.100:6443", j.path("discovery").path("bootstrapToken").path("apiServerEndpoint").asText());
        assertEquals(TOKEN, j.path("discovery").path("bootstrapToken").path("token").asText());
        assertEquals(HASH, ((ArrayNode) j.path("discovery").path("bootstrapToken").path("caCertHashes")).get(0).asText());
        assertEquals("192.168.56.11", j.path("controlPlane").path("localAPIEndpoint").path("advertiseAddress").asText());
        assertEquals(KEY, j.path("controlPlane").path("certificateKey").asText());
        assertNodeIp(j.path("nodeRegistration"), "192.168.56.11", v4);
        JsonNode w = documents(worker).get(0);
        assertTrue(w.path("controlPlane").isMissingNode(), "a worker join has no control-plane section");
        assertFalse(worker.contains(KEY), "a worker never sees the certificate key");
        assertEquals("192.168.56.100:6443", w.path("discovery").path("bootstrapToken").path("apiServerEndpoint").asText());
        assertNodeIp(w.path("nodeRegistration"), "192.168.56.20", v4);
        assertEquals("k8s-worker1", w.path("nodeRegistration").path("name").asText());
    }

    @ParameterizedTest(name = "check every {0} ms")
    @ValueSource(ints = {100, 1000, 4000})
    void theApiServersShutdownDelayOutlastsTheLoadBalancersDetection(int intervalMs) {
        ClusterConfig c = Stacks.config("vagrant", Map.of("haproxyCheckIntervalMs", Integer.toString(intervalMs)));
        double detection = dev.kubeha.render.lb.HaproxyConfig.detectionSeconds(c);
        int delay = KubeadmConfigs.shutdownDelaySeconds(c);
        assertTrue(delay >= detection + 1, "delay " + delay + " s against detection " + detection + " s");
        String init = KubeadmConfigs.init(c, c.firstControlPlane(), "abcdef.0123456789abcdef", "00".repeat(32));
        assertTrue(init.contains("  extraArgs:\n  - name: shutdown-delay-duration\n    value: " + delay + "s\n"), init);
    }

    @Test
    void withoutWorkersTheControlPlaneRegistersWithoutItsNoScheduleTaint() throws Exception {
        // Else the cluster could run no workload at all (issue 14, item 6).
        ClusterConfig none = Stacks.config("vagrant", Map.of("workers", "[]"));
        JsonNode init = documents(KubeadmConfigs.init(none, none.firstControlPlane(), TOKEN, KEY)).get(0);
        assertTrue(init.path("nodeRegistration").path("taints").isArray(), "taints: [] is 'no taints'");
        assertEquals(0, init.path("nodeRegistration").path("taints").size());
        JsonNode join = documents(KubeadmConfigs.joinControlPlane(none, none.controlPlane().get(1), TOKEN, HASH, KEY)).get(0);
        assertEquals(0, join.path("nodeRegistration").path("taints").size());
        assertTrue(join.path("nodeRegistration").path("taints").isArray());

        ClusterConfig withWorkers = config("1.31");
        JsonNode tainted = documents(KubeadmConfigs.init(withWorkers, withWorkers.firstControlPlane(), TOKEN, KEY)).get(0);
        assertTrue(tainted.path("nodeRegistration").path("taints").isMissingNode(),
                "left out: kubeadm gives control-plane nodes their NoSchedule taint");
    }

    static final String ETCD_NODES = "[\"k8s-etcd1=192.168.56.30\",\"k8s-etcd2=192.168.56.31\",\"k8s-etcd3=192.168.56.32\"]";

    /** args in either API's form (v1beta4: a list of {name, value}; v1beta3: a map), as a map. */
    static Map<String, String> args(JsonNode args) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (args.isArray()) {
            args.forEach(a -> out.put(a.path("name").asText(), a.path("value").asText()));
        } else {
            args.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    @ParameterizedTest(name = "Kubernetes {0}")
    @ValueSource(strings = {"1.31", "1.30.4"})
    void anEtcdNodesMemberIsConfiguredAsKubeadmsHaEtcdGuideConfiguresIt(String version) throws Exception {
        ClusterConfig c = Stacks.config("vagrant", Map.of("kubernetesVersion", version, "etcdNodes", ETCD_NODES));
        Node e2 = c.etcdNodes().get(1);
        String yaml = KubeadmConfigs.etcdMember(c, e2);
        Golden.assertMatches("KubeadmConfigsTest", "etcd-member-" + version, yaml);
        List<JsonNode> docs = documents(yaml);
        assertEquals(2, docs.size());
        assertEquals("k8s-etcd2", docs.get(0).path("nodeRegistration").path("name").asText());
        assertEquals("192.168.56.31", docs.get(0).path("localAPIEndpoint").path("advertiseAddress").asText());
        JsonNode local = docs.get(1).path("etcd").path("local");
        assertEquals("192.168.56.31", local.path("serverCertSANs").get(0).asText());
        assertEquals("192.168.56.31", local.path("peerCertSANs").get(0).asText());
        assertEquals(version.startsWith("1.31"), local.path("extraArgs").isArray());
        assertEquals(Map.of(
                "name", "k8s-etcd2",
                "initial-cluster", KubeadmConfigs.INITIAL_CLUSTER,
                "initial-cluster-state", KubeadmConfigs.INITIAL_CLUSTER_STATE,
                "listen-peer-urls", "https://192.168.56.31:2380",
                "initial-advertise-peer-urls", "https://192.168.56.31:2380",
                "listen-client-urls", "https://127.0.0.1:2379,https://192.168.56.31:2379",
                "advertise-client-urls", "https://192.168.56.31:2379"), args(local.path("extraArgs")));
        assertEquals(version.startsWith("1.31") ? KubeadmConfigs.INSTALLED_VERSION : "v1.30.4",
                docs.get(1).path("kubernetesVersion").asText(), "kubeadm picks the etcd image of this version");
    }

    /**
     * The control plane's configuration for renewing its etcd client certificate names no etcd, so kubeadm's default,
     * a local etcd, makes its renewal manager know the etcd certificates (renewal/manager.go, NewManager).
     */
    @ParameterizedTest(name = "Kubernetes {0}")
    @ValueSource(strings = {"1.31", "1.30.4"})
    void theEtcdClientRenewalConfigurationNamesTheNodeAndNoExternalEtcd(String version) throws Exception {
        ClusterConfig c = Stacks.config("vagrant", Map.of("kubernetesVersion", version, "etcdNodes", ETCD_NODES));
        Node m2 = c.controlPlane().get(1);
        List<JsonNode> docs = documents(KubeadmConfigs.etcdClientRenewal(c, m2));
        assertEquals(2, docs.size());
        assertEquals("InitConfiguration", docs.get(0).path("kind").asText());
        assertEquals("k8s-master2", docs.get(0).path("nodeRegistration").path("name").asText());
        assertEquals("192.168.56.11", docs.get(0).path("localAPIEndpoint").path("advertiseAddress").asText());
        assertEquals("ClusterConfiguration", docs.get(1).path("kind").asText());
        assertTrue(docs.get(1).path("etcd").isMissingNode(), "kubeadm's default etcd: local");
        assertTrue(docs.get(1).path("certificatesDir").isMissingNode(), "kubeadm's /etc/kubernetes/pki");
        assertEquals(version.startsWith("1.31") ? KubeadmConfigs.INSTALLED_VERSION : "v1.30.4",
                docs.get(1).path("kubernetesVersion").asText());
    }

    @ParameterizedTest(name = "Kubernetes {0}")
    @ValueSource(strings = {"1.31", "1.30.4"})
    void withEtcdNodesTheControlPlaneUsesThemAsExternalEtcd(String version) throws Exception {
        ClusterConfig c = Stacks.config("vagrant", Map.of("kubernetesVersion", version, "etcdNodes", ETCD_NODES));
        String yaml = KubeadmConfigs.init(c, c.firstControlPlane(), TOKEN, KEY);
        Golden.assertMatches("KubeadmConfigsTest", "init-external-etcd-" + version, yaml);
        JsonNode external = documents(yaml).get(1).path("etcd").path("external");
        assertEquals(List.of("https://192.168.56.30:2379", "https://192.168.56.31:2379", "https://192.168.56.32:2379"),
                YAML.convertValue(external.path("endpoints"), List.class));
        assertEquals("/etc/kubernetes/pki/etcd/ca.crt", external.path("caFile").asText());
        assertEquals("/etc/kubernetes/pki/apiserver-etcd-client.crt", external.path("certFile").asText());
        assertEquals("/etc/kubernetes/pki/apiserver-etcd-client.key", external.path("keyFile").asText());
        assertTrue(documents(yaml).get(1).path("etcd").path("local").isMissingNode(), "local and external exclude each other");
        List<JsonNode> upload = documents(KubeadmConfigs.uploadCerts(c, KEY));
        assertEquals(2, upload.size(), "the upload names the external etcd, so kubeadm uploads its client certificate");
        assertEquals(external, upload.get(1).path("etcd").path("external"));
        ClusterConfig stacked = config(version);
        assertTrue(documents(KubeadmConfigs.init(stacked, stacked.firstControlPlane(), TOKEN, KEY)).get(1).path("etcd").isMissingNode());
        assertEquals(1, documents(KubeadmConfigs.uploadCerts(stacked, KEY)).size());
    }
}
