package dev.kubeha.testing;

import com.pulumi.test.Mocks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Mocks for the whole kubeha program: every resource's state is its inputs plus what its provider would compute
 * (a command's stdout, a random password's result), with recognisable fake values.
 */
public class ClusterMocks implements Mocks {
    public static final String CA_CERT_HASH = "sha256:" + "ab".repeat(32);
    public static final String ADMIN_KUBECONFIG = """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: RkFLRS1DQQ==
                server: https://192.168.56.10:6443
              name: kubeha
            contexts:
            - context: {cluster: kubeha, user: kubernetes-admin}
              name: kubernetes-admin@kubeha
            current-context: kubernetes-admin@kubeha
            users:
            - name: kubernetes-admin
              user: {client-certificate-data: RkFLRQ==, client-key-data: RkFLRS1LRVk=}
            """;

    @Override
    public CompletableFuture<ResourceResult> newResourceAsync(ResourceArgs args) {
        Map<String, Object> state = new LinkedHashMap<>(args.inputs);
        switch (args.type) {
            case "command:remote:Command", "command:local:Command" -> {
                state.put("stdout", stdout(args));
                state.put("stderr", "");
            }
            case "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString" -> {
                int length = ((Number) args.inputs.getOrDefault("length", 16)).intValue();
                state.put("result", fake(args.name, length));
            }
            case "random:index/randomId:RandomId" -> {
                // Drawn again when an input changes (a replacement): derived from the name and the inputs.
                state.put("hex", hex(args.name, args.inputs));
            }
            default -> {
            }
        }
        return CompletableFuture.completedFuture(ResourceResult.of(Optional.of(args.name + "-id"), state));
    }

    /** What a command would print; subclasses add more. */
    protected String stdout(ResourceArgs args) {
        if (args.name.endsWith("-init")) {
            return "kubeadm init done\nKUBEHA_CA_CERT_HASH=" + CA_CERT_HASH + "\n";
        }
        if (args.name.endsWith("-vm")) {
            return vagrantUp(args.name.substring(0, args.name.length() - 3));
        }
        if (args.name.endsWith("-kubeconfig")) {
            return "KUBEHA_CA_CERT_HASH=" + CA_CERT_HASH + "\n" + ADMIN_KUBECONFIG;
        }
        if (args.name.endsWith("-etcd-ca")) {
            return ETCD_CREDENTIALS;
        }
        return "";
    }

    /** What components/etcd/ca.sh prints: base64 lines, recognisable in a test that looks for leaks. */
    public static final String ETCD_CREDENTIALS = "KUBEHA_ETCD_CA_CRT=RkFLRS1FVENELUNBLUNSVA==\nKUBEHA_ETCD_CA_KEY=RkFLRS1FVENELUNBLUtFWQ==\n"
            + "KUBEHA_ETCD_CLIENT_CRT=RkFLRS1FVENELUNMSUVOVC1DUlQ=\nKUBEHA_ETCD_CLIENT_KEY=RkFLRS1FVENELUNMSUVOVC1LRVk=\n";

    /** What components/vagrant/up.sh prints for a VM. */
    public static String vagrantUp(String node) {
        return "KUBEHA_SSH_HOST=127.0.0.1\nKUBEHA_SSH_PORT=" + (2200 + Math.floorMod(node.hashCode(), 100))
                + "\nKUBEHA_SSH_USER=vagrant\nKUBEHA_SSH_KEY_BEGIN\n" + privateKey(node) + "KUBEHA_SSH_KEY_END\n";
    }

    public static String privateKey(String node) {
        return "-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-" + node + "\n-----END OPENSSH PRIVATE KEY-----\n";
    }

    /** A random id's hex as the mocks draw it: from its name and inputs, so a changed keeper draws a new one. */
    public static String hex(String name, Map<String, Object> inputs) {
        int bytes = ((Number) inputs.getOrDefault("byteLength", 8)).intValue();
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((name + new java.util.TreeMap<>(inputs)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A deterministic fake secret of the given length, lower-case letters and digits, derived from the name. */
    public static String fake(String name, int length) {
        StringBuilder s = new StringBuilder();
        int h = name.hashCode();
        while (s.length() < length) {
            h = h * 31 + 7;
            s.append("abcdef0123456789".charAt(Math.floorMod(h, 16)));
        }
        return s.toString();
    }
}
