package dev.kubeha.providers.command.remote;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Export;
import com.pulumi.core.annotations.ResourceType;
import com.pulumi.resources.CustomResource;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.providers.ProviderPlugins;

import java.util.List;

/**
 * command:remote:Command: runs {@code create} over SSH when created (and {@code update}, or else {@code create},
 * when an input changes), {@code delete} when deleted. The connection is a secret output, as in the generated SDK.
 */
@ResourceType(type = "command:remote:Command")
public class Command extends CustomResource {
    @Export(name = "stdout", refs = {String.class}, tree = "[0]")
    private Output<String> stdout;

    @Export(name = "stderr", refs = {String.class}, tree = "[0]")
    private Output<String> stderr;

    public Command(String name, CommandArgs args) {
        this(name, args, null);
    }

    public Command(String name, CommandArgs args, CustomResourceOptions options) {
        super("command:remote:Command", name, args, ProviderPlugins.options(options == null ? CustomResourceOptions.Empty : options,
                ProviderPlugins.COMMAND_VERSION, List.of("connection"), List.of("triggers[*]")), false);
    }

    /** What the command printed on stdout. */
    public Output<String> stdout() {
        return stdout;
    }

    public Output<String> stderr() {
        return stderr;
    }
}
