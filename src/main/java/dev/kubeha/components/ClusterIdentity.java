package dev.kubeha.components;

import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.Node;
import dev.kubeha.config.Provisioner;
import dev.kubeha.providers.random.RandomId;
import dev.kubeha.providers.random.RandomIdArgs;
import dev.kubeha.render.vagrant.VagrantCommands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's identity: {@code cluster-identity}, a random id kept for as long as the settings kubeadm init fixed
 * for the cluster's life (its keepers) stay the same: cluster name, API port, VIP, pod and service subnets, which
 * node is first, and that node's machine; with etcdNodes also the first etcd node (it holds the etcd CA) and its
 * machine. It is registered before anything else and everything waits for it; a
 * membership step (init, the admin kubeconfig, each node's credentials, join, drain and upgrade steps, the workers'
 * token batches) is rebuilt when it changes.
 *
 * <p>A changed keeper replaces it, and it is protected: the engine refuses the replacement when it generates its
 * step, before any other step of the deployment has run (pulumi/pulumi:pkg/resource/deploy/step_generator.go,
 * continueStepsFromDiff: "unable to replace resource ... marked for protection"), and the Java SDK registers
 * nothing that waits for it until its registration is answered (pulumi/pulumi-java:
 * sdk/java/pulumi/src/main/java/com/pulumi/deployment/internal/DeploymentImpl.java, prepareResourceAsync awaits
 * the URNs of dependsOn and parent). With {@code allowClusterDestroy} the protection is lifted; a changed keeper then
 * deletes every membership step in reverse order (it is delete-before-replace: calculateDependentReplacements) and
 * builds the cluster again.
 */
public final class ClusterIdentity {
    public static final String NAME = "cluster-identity";

    private ClusterIdentity() {
    }

    /** The keepers that name the node that ran kubeadm init, and its machine. */
    static final List<String> INIT_NODE_KEEPERS = List.of("keepers.firstControlPlane", "keepers.firstMachine");

    /** The keeper that names the etcd node that made the etcd CA, and its machine. */
    static final String ETCD_CA_KEEPER = "keepers.externalEtcd";

    public static RandomId create(ClusterConfig config) {
        CustomResourceOptions.Builder options = CustomResourceOptions.builder()
                .protect(!config.allowClusterDestroy()).deleteBeforeReplace(true);
        List<String> ignored = new ArrayList<>();
        if (config.initNode().isEmpty()) {
            // The node that ran kubeadm init has left (controlPlaneInitNode names it): its keepers keep the values
            // the state has (the engine sets an ignored path back to its old value before the diff:
            // pulumi/pulumi pkg/resource/deploy/step_generator.go processIgnoreChanges), so its departure is no
            // change of the cluster's identity.
            ignored.addAll(INIT_NODE_KEEPERS);
        }
        if (config.externalEtcd() && config.etcdCaHolder().isEmpty()) {
            // Likewise the etcd node that made the etcd CA (etcdCaNode names it): its keeper keeps its value.
            ignored.add(ETCD_CA_KEEPER);
        }
        if (!ignored.isEmpty()) {
            options.ignoreChanges(ignored);
        }
        return new RandomId(NAME, RandomIdArgs.builder().byteLength(8).keepers(keepers(config)).build(), options.build());
    }

    /**
     * What kubeadm init fixed for the life of the cluster (pure). The node that ran init and its machine are keepers
     * while that node is in the stack: moving or rebuilding it in place, or another node taking its place as
     * controlPlaneInitNode (its default, the first of the list, changes when the list is reordered), is refused.
     * Once it has left, they are absent here and ignored ({@link #create}).
     */
    public static Map<String, String> keepers(ClusterConfig config) {
        Map<String, String> keepers = new LinkedHashMap<>();
        keepers.put("clusterName", config.clusterName());
        keepers.put("apiPort", Integer.toString(config.apiPort()));
        keepers.put("vip", config.vip());
        keepers.put("podSubnet", config.podSubnet());
        keepers.put("serviceSubnet", config.serviceSubnet());
        config.initNode().ifPresent(first -> {
            keepers.put("firstControlPlane", first.name() + "=" + first.address());
            // Keepers are plain in the state: the VM's settings (a box URL may carry a token) only as a digest.
            keepers.put("firstMachine", machine(config, first));
        });
        // With etcdNodes, where the cluster's data is (kubeadm init's etcd.external) and the etcd node that made the
        // etcd CA: moving a live cluster between stacked and external etcd, rebuilding that node, or another node
        // taking its place as etcdCaNode (its default, the first of etcdNodes, changes when the list is reordered)
        // would rebuild the cluster. Once it has left (etcdCaNode names it), the keeper is absent and ignored. Stacked
        // clusters have no such keeper (their identity stays what it was).
        config.etcdCaHolder().ifPresent(ca ->
                keepers.put("externalEtcd", ca.name() + "=" + ca.address() + " " + machine(config, ca)));
        return keepers;
    }

    private static String machine(ClusterConfig config, Node node) {
        return config.provisioner() == Provisioner.VAGRANT
                ? "vagrant " + sha256(VagrantCommands.replaceTriggers(config, node).toString())
                : "existing " + node.address();
    }

    private static String sha256(String text) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
