package dev.kubeha.render.vagrant;

/** How to reach a machine over SSH. {@code privateKey} is the key's content (a secret), or null (agent). */
public record SshDetails(String host, int port, String user, String privateKey) {
    @Override
    public String toString() {
        return "SshDetails[" + user + "@" + host + ":" + port + (privateKey == null ? "" : ", key [secret]") + "]";
    }
}
