package dev.kubeha.render.kubeconfig;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeconfigsTest {
    private static final String ADMIN_CONF = """
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: Q0EK
                server: https://192.168.56.10:6443
              name: kubeha
            contexts:
            - context:
                cluster: kubeha
                user: kubernetes-admin
              name: kubernetes-admin@kubeha
            current-context: kubernetes-admin@kubeha
            kind: Config
            users:
            - name: kubernetes-admin
              user:
                client-certificate-data: Q0VSVAo=
                client-key-data: S0VZCg==
            """;

    @Test
    void serverIsTheVipAndEverythingElseIsKept() {
        String out = Kubeconfigs.withServer(ADMIN_CONF, "https://192.168.56.100:6443");
        assertTrue(out.contains("server: https://192.168.56.100:6443"), out);
        assertFalse(out.contains("192.168.56.10:6443"), out);
        assertTrue(out.contains("client-key-data: S0VZCg=="), out);
        assertTrue(out.contains("current-context: kubernetes-admin@kubeha"), out);
    }

    @Test
    void aProxyIsWrittenAsProxyUrlBesideTheVipServer() {
        String out = Kubeconfigs.withServer(ADMIN_CONF, "https://192.168.56.100:6443", java.util.Optional.of("socks5://127.0.0.1:1080"));
        assertTrue(out.contains("server: https://192.168.56.100:6443"), out);
        assertTrue(out.contains("proxy-url: socks5://127.0.0.1:1080"), out);
        assertFalse(Kubeconfigs.withServer(ADMIN_CONF, "https://192.168.56.100:6443").contains("proxy-url"));
    }

    @Test
    void somethingThatIsNotAKubeconfigIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Kubeconfigs.withServer("kind: Config\n", "https://x:6443"));
    }
}
