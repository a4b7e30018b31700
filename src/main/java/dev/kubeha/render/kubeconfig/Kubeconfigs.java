package dev.kubeha.render.kubeconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Kubeconfig rewriting, so that every client kubeha hands out talks to the VIP, never to one node. */
public final class Kubeconfigs {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private Kubeconfigs() {
    }

    /** The kubeconfig with every cluster's {@code server} set to {@code server} (e.g. https://192.168.56.100:6443). */
    public static String withServer(String kubeconfig, String server) {
        return withServer(kubeconfig, server, Optional.empty());
    }

    /**
     * The same, each cluster reached through {@code proxy} when given: the kubeconfig's {@code proxy-url}, which
     * client-go takes for http, https and socks5 proxies (kubernetes/client-go tools/clientcmd/api/v1/types.go,
     * Cluster.ProxyURL), so the server name and its certificate check stay the VIP's.
     */
    public static String withServer(String kubeconfig, String server, Optional<String> proxy) {
        try {
            JsonNode root = YAML.readTree(kubeconfig);
            if (root == null || !root.path("clusters").isArray() || root.path("clusters").isEmpty()) {
                throw new IllegalArgumentException("not a kubeconfig: it has no clusters");
            }
            for (JsonNode cluster : root.path("clusters")) {
                JsonNode inner = cluster.path("cluster");
                if (!inner.isObject()) {
                    throw new IllegalArgumentException("not a kubeconfig: a cluster entry has no 'cluster' map");
                }
                ((ObjectNode) inner).put("server", server);
                proxy.ifPresent(p -> ((ObjectNode) inner).put("proxy-url", p));
            }
            return YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the admin kubeconfig", e);
        }
    }
}
