package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Workers, all joining through the VIP in parallel as soon as the first control-plane node is up (they do not
 * wait for the other control-plane joins). Per worker: {@code <w>-prepare}, its token and membership record
 * ({@link NodeJoin#member}), its token made by its batch ({@link WorkerTokens}), then its join ({@link NodeJoin#join}),
 * and the upgrade steps of {@link NodeUpgrade}, after the control plane, in batches of {@code upgradeWorkerBatch}
 * workers in stack order: a batch starts when every node of the previous one is uncordoned, so a failed node stops
 * the roll (the engine starts no step after a failure, pulumi/pulumi pkg/resource/deploy/step_executor.go
 * cancelDueToError; with continue-on-error, nothing that waits for the failed step) and the next {@code pulumi up}
 * resumes it (what is done has nothing left to change). The steps a worker runs on its acting member are spread over
 * {@link SessionLanes}.
 */
public final class WorkerPool extends ComponentResource {
    public static final String TYPE = "kubeha:index:WorkerPool";

    private final List<Command> joins = new ArrayList<>();
    private final List<Resource> upgraded;

    public WorkerPool(String name, ClusterConfig config, List<Host> hosts, ControlPlane controlPlane,
                      ComponentResourceOptions options) {
        super(TYPE, name, options);
        SessionLanes lanes = SessionLanes.bounded();
        Map<Host, Command> prepared = new HashMap<>();
        List<NodeJoin.Member> members = new ArrayList<>();
        for (Host host : hosts) {
            prepared.put(host, ControlPlane.prepare(config, host, this));
            // The record waits for the worker's preparation: a token is made only for a machine ready to use it
            // within its lifetime, and a preparation that failed leaves no record, so the retry creates one (a new id)
            // and its batch runs again, however long after the tokens of the failed run expired.
            members.add(NodeJoin.member(config, controlPlane.actingFor(host.node()), host,
                    List.of(controlPlane.initialised(), prepared.get(host)), controlPlane.identity(), lanes, this));
        }
        Map<Host, Command> tokens = members.isEmpty() ? Map.of() : WorkerTokens.create(
                controlPlane.actingFor(hosts.get(0).node()), members, controlPlane.identity(), lanes, this);
        int batchSize = config.upgradeWorkerBatch().size(hosts.size());
        List<Resource> previousBatch = List.of(controlPlane.upgraded());
        List<Resource> batch = new ArrayList<>();
        for (NodeJoin.Member member : members) {
            Host host = member.host();
            if (batch.size() == batchSize) {
                previousBatch = batch;
                batch = new ArrayList<>();
            }
            NodeJoin.Joined joined = NodeJoin.join(config, controlPlane.actingFor(host.node()), host,
                    List.of(member.credentials(), tokens.get(host)), controlPlane.identity(),
                    Output.tuple(member.token(), controlPlane.caCertHash).applyValue(t ->
                            NodeScripts.joinWorker(config, host.node(), t.t1, t.t2)), lanes, this);
            joins.add(joined.join());
            List<Resource> after = new ArrayList<>(previousBatch);
            after.add(0, joined.registered());
            batch.add(NodeUpgrade.create(config, controlPlane.actingFor(host.node()), host, false, after, controlPlane.identity(), lanes, this));
        }
        this.upgraded = batch.isEmpty() ? previousBatch : List.copyOf(batch);
        registerOutputs(Map.of("workers", Output.of(hosts.stream().map(Host::name).toList())));
    }

    /** The last batch's upgrade steps (the control plane's last when there are no workers). */
    public List<Resource> upgraded() {
        return upgraded;
    }

    public List<Resource> members() {
        return List.copyOf(joins);
    }
}
