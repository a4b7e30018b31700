package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.resources.Resource;
import dev.kubeha.config.Node;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.render.kubeadm.NodeScripts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The workers' bootstrap tokens, made on their acting member in a fixed number of batches ({@link #BATCHES}), one SSH
 * session each ({@code workers-<n>-tokens}, {@link NodeScripts#workerTokens}), instead of a session per worker: 500
 * workers cost that node 6 sessions of a few seconds more each, not 500 sessions 6 at a time. Each worker keeps its
 * own token ({@code <node>-join-token}), a secret on stdin only, and its join waits for its batch.
 *
 * <p>A worker's batch is fixed by its name alone (CRC-32 of its UTF-8 bytes, modulo {@link #BATCHES}), so adding or
 * removing a worker changes one batch's script, and only that batch runs again: it lists the Node objects and makes
 * only the tokens of workers not yet registered, so a used token gets no new life. A batch's script also carries the
 * id of each of its workers' {@code <node>-credentials}, which the provider draws anew whenever that step is rebuilt
 * (a new machine, the cluster built afresh, {@code pulumi up --replace}): the batch runs again after that rebuild
 * (it waits for it, and the rebuild's delete took the old Node object away) and makes that worker a fresh token.
 * The batches go into the credentials lanes of {@link SessionLanes} after the workers' records, so the sessions that
 * kind opens on the acting member stay at most its chains, whatever runs (batches, or the records' deletes).
 */
public final class WorkerTokens {
    /** As many batches as the credentials have chains: all of them run at once when the cluster is built. */
    public static final int BATCHES = SessionLanes.CHAINS.get("credentials");

    private WorkerTokens() {
    }

    /** The name of the batch step that makes {@code worker}'s token. */
    public static String batchOf(String worker) {
        CRC32 crc = new CRC32();
        crc.update(worker.getBytes(StandardCharsets.UTF_8));
        return "workers-" + (1 + crc.getValue() % BATCHES) + "-tokens";
    }

    /** The workers of each batch step, by its name, in stack order; only batches that have workers. */
    public static Map<String, List<Node>> batches(List<Node> workers) {
        Map<String, List<Node>> batches = new TreeMap<>();
        workers.forEach(w -> batches.computeIfAbsent(batchOf(w.name()), b -> new ArrayList<>()).add(w));
        return batches;
    }

    /**
     * The batch steps on {@code acting}, each after its workers' membership records.
     *
     * @return each worker's batch step, which its join waits for
     */
    static Map<Host, Command> create(Host acting, List<NodeJoin.Member> members, Output<String> cluster,
                                     SessionLanes lanes, Resource parent) {
        Map<Node, NodeJoin.Member> byNode = new HashMap<>();
        members.forEach(m -> byNode.put(m.host().node(), m));
        Map<Host, Command> batchOf = new HashMap<>();
        batches(members.stream().map(m -> m.host().node()).toList()).forEach((name, nodes) -> {
            List<NodeJoin.Member> batch = nodes.stream().map(byNode::get).toList();
            Command step = lanes.add("credentials", lane -> RemoteScript.run(name, acting, RemoteScript.Spec
                    .of("tokens", script(batch))
                    .after(batch.stream().map(NodeJoin.Member::credentials).toList())
                    .after(lane)
                    .rebuildWhen(List.of(cluster))
                    .withSecrets(), parent));
            batch.forEach(m -> batchOf.put(m.host(), step));
        });
        return batchOf;
    }

    private static Output<String> script(List<NodeJoin.Member> batch) {
        List<Output<NodeScripts.WorkerToken>> lines = batch.stream().map(m -> Output.tuple(m.token(), m.credentials().id())
                .applyValue(t -> new NodeScripts.WorkerToken(m.host().node().name(), t.t1, t.t2))).toList();
        return Output.all(lines).applyValue(NodeScripts::workerTokens).asSecret();
    }
}
