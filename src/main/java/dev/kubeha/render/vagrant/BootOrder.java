package dev.kubeha.render.vagrant;

import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;

import java.util.List;
import java.util.Optional;

/**
 * In which order the VMs of a stack boot, as explicit dependencies between their {@code <node>-vm} commands (so the
 * engine runs exactly that, and the plan's timeline is what happens), and which of them hold the vagrant lock.
 * <p>
 * The first VM of the stack (its first node) boots alone: it fetches the box and creates what all VMs share. Then:
 * <ul>
 * <li><b>VirtualBox</b>: the others one after another, in stack order (load balancers, control plane, workers).
 *     Vagrant itself never creates VirtualBox machines in parallel (hashicorp/vagrant
 *     plugins/providers/virtualbox/plugin.rb declares the provider without {@code parallel: true}, so
 *     lib/vagrant/batch_action.rb runs its machines one at a time).</li>
 * <li><b>libvirt</b>: {@value #LIBVIRT_PARALLEL} chains side by side, the nodes dealt to them in stack order, so
 *     at most that many boot at once. vagrant-libvirt declares {@code parallel: true}
 *     (vagrant-libvirt/vagrant-libvirt lib/vagrant-libvirt/plugin.rb), but it guards the box image upload into the
 *     storage pool, the storage pool and the libvirt networks with in-process mutexes (action/handle_box_image.rb,
 *     handle_storage_pool.rb, create_networks.rb: "only one vm at a time should try to set up networks"), which do
 *     not reach across kubeha's one {@code vagrant up} process per VM; and Vagrant fails a second process that
 *     downloads the same box ({@code DownloadAlreadyInProgress}: lib/vagrant/action/builtin/box_add.rb, a
 *     non-blocking lock, lib/vagrant/util/file_mutex.rb). After the first VM all of that exists, and the others only
 *     find it. Why {@value #LIBVIRT_PARALLEL}: each VM is its own vagrant process (about 60 MB of Ruby before any
 *     plugin, measured with {@code vagrant validate}, Vagrant 2.3.4), and a VM boot keeps its vCPUs and the disk
 *     busy; 4 booting 2-vCPU guests fill an 8-thread workstation, more only queue for the same cores (an
 *     assumption about the user's machine, not a measurement).</li>
 * </ul>
 * Vagrant's machine index, shared by all vagrant processes of a user, is safe for parallel runs on its own (a
 * blocking flock around every read and write: lib/vagrant/machine_index.rb, with_index_lock), as is the choice of
 * forwarded ports (lib/vagrant/action/builtin/handle_forwarded_port_collisions.rb: a process lock and leases).
 */
public final class BootOrder {
    /** libvirt: how many VMs boot at once after the first. */
    public static final int LIBVIRT_PARALLEL = 4;

    private BootOrder() {
    }

    /** How many VMs of the stack boot at once after the first. */
    public static int parallel(String provider) {
        return provider.equals("libvirt") ? LIBVIRT_PARALLEL : 1;
    }

    /** The node whose VM must be up before this node's VM boots; none for the stack's first node. */
    public static Optional<Node> after(ClusterConfig config, Node node) {
        List<Node> nodes = config.allNodes();
        int i = nodes.indexOf(node);
        if (i <= 0) {
            return Optional.empty();
        }
        return Optional.of(nodes.get(Math.max(0, i - parallel(config.vagrant().provider()))));
    }

    /**
     * Whether this node's VM commands ({@code vagrant up} and {@code vagrant destroy}) hold the vagrant lock, the
     * one thing that keeps two stacks (or two projects) of one user apart: every VirtualBox command (VirtualBox
     * creates no machines in parallel); on libvirt only the first VM's, which creates what the VMs share (box,
     * storage pool, networks) and, destroyed last, removes the networks it created.
     */
    public static boolean holdsLock(ClusterConfig config, Node node) {
        return parallel(config.vagrant().provider()) == 1 || after(config, node).isEmpty();
    }
}
