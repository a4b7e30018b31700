package dev.kubeha.components;

import com.pulumi.resources.Resource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Bounds the SSH sessions one {@code pulumi up} opens at once on the first control-plane node for the other nodes'
 * steps (the workers' token batches and membership records, drains, cordons and uncordons). Each kind of step goes
 * into a fixed number of chains ({@link #CHAINS}), round robin: the n-th step of a kind waits for the (n - chains)-th,
 * so at most that many of a kind run at once. The kinds that overlap have 8 chains together: credentials with drains
 * (while the cluster is built only the workers' token batches open sessions, one per chain ({@link WorkerTokens}):
 * a join waits for its node's registration itself, the membership records and the upgrade steps do nothing; when
 * nodes leave, the drains and the records' deletes, which remove the Node objects), cordons with uncordons in an
 * upgrade. With the control plane's own one-at-a-time steps on that node (a control-plane join's credentials, the
 * scheduling step) at most 10 sessions, sshd's default {@code MaxStartups 10:30:100}, the unauthenticated connections
 * beyond which sshd starts refusing new ones (openssh/openssh-portable sshd_config.5, MaxStartups; servconf.c sets
 * max_startups_begin 10, max_startups_rate 30, max_startups 100); every remote command is a new connection
 * (pulumi/pulumi-command v1.2.1 remote/commandOutputs.go: {@code run} dials for each run).
 * The plan shows the peak per host ({@link dev.kubeha.plan.Planner.Plan#peakSessions()}).
 */
final class SessionLanes {
    /**
     * Chains per kind of step. While the cluster is built the workers' token batches ({@link WorkerTokens}, one per
     * credentials chain) are the only sessions the workers open there, so they take most of the 8; the drains, which
     * run only when nodes leave, the rest.
     */
    static final Map<String, Integer> CHAINS = Map.of("credentials", 6, "drain", 2, "cordon", 4, "uncordon", 4);

    private final boolean bounded;
    private final Map<String, List<Resource>> tails = new HashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();

    private SessionLanes(boolean bounded) {
        this.bounded = bounded;
    }

    /** Lanes for steps that come in numbers (one per worker). */
    static SessionLanes bounded() {
        return new SessionLanes(true);
    }

    /** No chaining: for steps that already run one at a time (the control-plane joins). */
    static SessionLanes unbounded() {
        return new SessionLanes(false);
    }

    /**
     * Creates a step of this kind with {@code make}, which receives what the step must wait for (the previous step
     * in its chain, or nothing), and makes it the chain's last.
     */
    <T extends Resource> T add(String kind, Function<List<Resource>, T> make) {
        if (!bounded) {
            return make.apply(List.of());
        }
        int lanes = CHAINS.get(kind);
        List<Resource> chain = tails.computeIfAbsent(kind, k -> new ArrayList<>());
        int n = counts.merge(kind, 1, Integer::sum) - 1;
        int lane = n % lanes;
        T step = make.apply(lane < chain.size() ? List.of(chain.get(lane)) : List.of());
        if (lane < chain.size()) {
            chain.set(lane, step);
        } else {
            chain.add(step);
        }
        return step;
    }
}
