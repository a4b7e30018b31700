package dev.kubeha.render.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.testing.Golden;
import dev.kubeha.testing.Stacks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CniChartsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void flannelOnTheVagrantStack() throws Exception {
        CniChart chart = CniCharts.of(Stacks.vagrant());
        assertEquals("flannel", chart.chart());
        assertEquals("10.244.0.0/16", chart.values().get("podCidr"));
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) ((Map<String, Object>) chart.values().get("flannel")).get("args");
        assertEquals(List.of("--ip-masq", "--kube-subnet-mgr", "--iface-can-reach=192.168.56.100"), args,
                "chart defaults kept, interface chosen by the route to the VIP, never by name");
        assertEquals("privileged", chart.namespaceLabels().get("pod-security.kubernetes.io/enforce"));
        Golden.assertMatches("CniChartsTest", "flannel-values-vagrant", YAML.writeValueAsString(chart.values()));
    }

    @Test
    void calicoOnTheVagrantStack() throws Exception {
        ClusterConfig config = Stacks.config("vagrant", Map.of("cni", "calico"));
        CniChart chart = CniCharts.of(config);
        assertEquals("tigera-operator", chart.chart());
        String values = YAML.writeValueAsString(chart.values());
        assertTrue(values.contains("cidr: \"10.244.0.0/16\""), values);
        assertTrue(values.contains("- \"192.168.56.0/24\""), "autodetect node addresses by the node CIDR: " + values);
        assertTrue(!values.contains("192.168.0.0/16"), "never Calico's default pool");
        Golden.assertMatches("CniChartsTest", "calico-values-vagrant", values);
    }

    @Test
    void podCidrFollowsConfig() {
        ClusterConfig config = Stacks.config("vagrant", Map.of("podSubnet", "10.32.0.0/16"));
        assertEquals("10.32.0.0/16", CniCharts.of(config).values().get("podCidr"));
    }
}
