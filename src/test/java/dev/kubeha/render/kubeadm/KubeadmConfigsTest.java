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
}
