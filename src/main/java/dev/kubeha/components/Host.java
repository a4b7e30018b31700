package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.Node;
import dev.kubeha.providers.command.remote.inputs.ConnectionArgs;

import java.util.List;

/**
 * A machine the components act on: the node it is, how to reach it over SSH, what must exist before anything
 * runs on it (its VM, with the vagrant provisioner), and what identifies the machine (the VM's resource id, or an
 * existing host's {@code <node>-host} id, drawn again for a new address). When the machine changes, everything
 * kubeha built on it is torn down in reverse order and built again in order: the identity is a replace trigger of
 * each step that belongs to the node, and the machine is replaced delete-before-replace.
 */
public record Host(Node node, Output<ConnectionArgs> connection, List<Resource> readyAfter, Output<String> machine) {
    public Host {
        readyAfter = List.copyOf(readyAfter);
    }

    public String name() {
        return node.name();
    }
}
