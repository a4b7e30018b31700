package dev.kubeha.render.vagrant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.config.VagrantSettings;
import dev.kubeha.render.NodeScript;
import dev.kubeha.render.Shell;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local commands that create and destroy a Vagrant VM (run by Pulumi on the user's machine, from the project
 * root), the machine definition each of them hands the Vagrantfile, and the parsing of the SSH details they print.
 * <p>
 * A VM command needs nothing but its own inputs: the machine definition travels on its stdin, which the command
 * provider also sends to the delete (pulumi/pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go:
 * Delete runs with the stored state's inputs), so a node removed from the stack, a stack renamed, or config from
 * an ESC environment or {@code --config-file} destroys exactly the VM that was created. Each stack's VMs live in
 * their own Vagrant data directory, {@code vagrant/.vagrant/stacks/<stack id>}, the id a random value kept in the
 * stack's state (it survives {@code pulumi stack rename}).
 */
public final class VagrantCommands {
    /**
     * The command provider runs a local command with {@code /bin/sh -c} unless an interpreter is set
     * (local/commandOutputs.go, run); the VM scripts are bash. Found on PATH: Linux and macOS (bash 3.2 in
     * /bin, or a newer one from Homebrew first on PATH) alike.
     */
    public static final List<String> INTERPRETER = List.of("/usr/bin/env", "bash", "-c");
    private static final Pattern FIELD = Pattern.compile("^KUBEHA_SSH_(HOST|PORT|USER)=(.*)$", Pattern.MULTILINE);
    private static final Pattern KEY = Pattern.compile("^KUBEHA_SSH_KEY_BEGIN\\n(.*?)^KUBEHA_SSH_KEY_END$",
            Pattern.MULTILINE | Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private VagrantCommands() {
    }

    /** Where a stack's VMs live, relative to {@code vagrant/} (what VAGRANT_DOTFILE_PATH is set to). */
    public static String dotfilePath(String stackId) {
        return ".vagrant/stacks/" + stackId;
    }

    /**
     * {@code vagrant up NODE} with the machine definition on stdin, then its SSH details on stdout. With a box URL
     * (which may carry credentials) vagrant's own output, which names the URL it downloads, goes to a file in the
     * stack's Vagrant directory instead of the console.
     */
    public static String up(ClusterConfig config, Node node, String stackId) {
        return script("vagrant/up.sh", parameters(config, node, stackId) + "PROVIDER=" + Shell.quote(config.vagrant().provider())
                + "\nQUIET=" + config.vagrant().boxUrl().isPresent() + "\n");
    }

    /** {@code vagrant destroy -f NODE} with the machine definition on stdin; a VM that is gone counts as destroyed. */
    public static String destroy(ClusterConfig config, Node node, String stackId) {
        return script("vagrant/destroy.sh", parameters(config, node, stackId));
    }

    /** The machine the Vagrantfile defines for {@code node} (JSON, read by vagrant/kubeha_nodes.rb). */
    public static String machine(ClusterConfig config, Node node, String stackId) {
        VagrantSettings v = config.vagrant();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", node.name());
        m.put("vm_prefix", "kubeha-" + stackId + "-");
        m.put("address", node.address());
        m.put("prefix_length", config.vipPrefixLength());
        m.put("cpus", v.sizeOf(node.role()).cpus());
        m.put("memory", v.sizeOf(node.role()).memoryMiB());
        m.put("box", v.box());
        m.put("box_url", v.boxUrl().orElse(""));
        m.put("box_version", v.boxVersion().orElse(""));
        try {
            return JSON.writeValueAsString(m) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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

    /** NODE, STACK_ID, and LOCK: whether the command holds the vagrant lock ({@link BootOrder#holdsLock}). */
    private static String parameters(ClusterConfig config, Node node, String stackId) {
        return "NODE=" + Shell.quote(node.name()) + "\nSTACK_ID=" + Shell.quote(stackId) + "\nLOCK="
                + BootOrder.holdsLock(config, node) + "\n";
    }

    /** Shebang, parameters, the shared helpers (vagrant/lib.sh), then the script. */
    private static String script(String path, String parameters) {
        return "#!/usr/bin/env bash\n" + parameters + NodeScript.body("vagrant/lib.sh") + NodeScript.body(path);
    }
}
