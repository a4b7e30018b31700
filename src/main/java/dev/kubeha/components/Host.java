package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.Node;
import dev.kubeha.providers.command.remote.inputs.ConnectionArgs;

import java.util.List;

/**
 * A machine the components act on: the node it is, how to reach it over SSH, and what must exist before
 * anything runs on it (its VM, with the vagrant provisioner).
 */
public record Host(Node node, Output<ConnectionArgs> connection, List<Resource> readyAfter) {
    public Host {
        readyAfter = List.copyOf(readyAfter);
    }

    public String name() {
        return node.name();
    }
}
