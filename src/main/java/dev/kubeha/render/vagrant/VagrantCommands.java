package dev.kubeha.render.vagrant;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.config.VagrantSettings;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.Shell;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local commands that create and destroy a Vagrant VM (run by Pulumi on the user's machine, from the project
 * root), and the parsing of the SSH details they print.
 */
public final class VagrantCommands {
    /** How long a {@code vagrant up} waits for the others (they run one at a time). */
    static final int LOCK_WAIT_SECONDS = 3600;
    private static final Pattern FIELD = Pattern.compile("^KUBEHA_SSH_(HOST|PORT|USER)=(.*)$", Pattern.MULTILINE);
    private static final Pattern KEY = Pattern.compile("^KUBEHA_SSH_KEY_BEGIN\\n(.*?)^KUBEHA_SSH_KEY_END$",
            Pattern.MULTILINE | Pattern.DOTALL);

    private VagrantCommands() {
    }

    /** {@code vagrant up NODE}, then its SSH details on stdout. */
    public static String up(ClusterConfig config, Node node, String stack) {
        return script("vagrant/up.sh", "NODE=" + Shell.quote(node.name()) + "\nPROVIDER=" + Shell.quote(config.vagrant().provider())
                + "\nSTACK=" + Shell.quote(stack) + "\nLOCK_WAIT_SECONDS=" + LOCK_WAIT_SECONDS + "\n");
    }

    /** {@code vagrant destroy -f NODE}. */
    public static String destroy(ClusterConfig config, Node node, String stack) {
        return script("vagrant/destroy.sh", "NODE=" + Shell.quote(node.name()) + "\nSTACK=" + Shell.quote(stack)
                + "\nLOCK_WAIT_SECONDS=" + LOCK_WAIT_SECONDS + "\n");
    }

    /** What replaces the VM when it changes: its box, provider and size (nothing else about the cluster). */
    public static List<Object> replaceTriggers(ClusterConfig config, Node node) {
        VagrantSettings v = config.vagrant();
        VagrantSettings.Size size = v.sizeOf(node.role());
        return List.of(v.box(), v.boxUrl().orElse(""), v.boxVersion().orElse(""), v.provider(), node.address(),
                size.cpus(), size.memoryMiB());
    }

    /** The SSH details up.sh printed. */
    public static SshDetails parseSshDetails(String stdout) {
        String host = null;
        String user = null;
        int port = 22;
        Matcher m = FIELD.matcher(stdout);
        while (m.find()) {
            switch (m.group(1)) {
                case "HOST" -> host = m.group(2).trim();
                case "PORT" -> port = Integer.parseInt(m.group(2).trim());
                default -> user = m.group(2).trim();
            }
        }
        Matcher key = KEY.matcher(stdout);
        if (host == null || user == null || !key.find()) {
            throw new IllegalStateException("vagrant printed no SSH details (host, user and key expected)");
        }
        return new SshDetails(host, port, user, key.group(1));
    }

    /** Shebang, parameters, the shared lock (vagrant/lock.sh), then the script. */
    private static String script(String path, String parameters) {
        return "#!/usr/bin/env bash\n" + parameters + NodeScript.body("vagrant/lock.sh") + NodeScript.body(path);
    }
}
