package dev.kubeha.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kubeha.plan.Recorder.Registration;

import java.io.IOException;
import java.io.UncheckedIOException;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How each provider kubeha uses answers the engine's Diff, and how the engine turns the answer into same, update or
 * replace. Only the rules kubeha depends on are modelled, each from the source named beside it.
 */
final class ProviderDiff {
    static final String REMOTE_COMMAND = "command:remote:Command";
    static final String LOCAL_COMMAND = "command:local:Command";
    static final String KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";

    private ProviderDiff() {
    }

    /**
     * The inputs whose value differs between the state and the program, or is not known yet (a preview); an
     * ignoreChanges path keeps its old value, nested ones too ({@link IgnoreChanges}).
     */
    static Set<String> changedInputs(Map<String, Object> old, Registration now) {
        Map<String, Object> news = IgnoreChanges.apply(old, now.inputs(), now.ignoreChanges());
        Set<String> changed = new TreeSet<>(now.unknownInputs());
        // A whole ignored input is the old value, known.
        changed.removeAll(now.ignoreChanges());
        Set<String> keys = new TreeSet<>(old.keySet());
        keys.addAll(news.keySet());
        for (String key : keys) {
            if (!now.unknownInputs().contains(key) && !Objects.equals(old.get(key), news.get(key))) {
                changed.add(key);
            }
        }
        return changed;
    }

    /**
     * The change the provider's Diff reports for these changed inputs, with the engine's replaceOnChanges
     * (pulumi/pulumi:pkg/resource/deploy/step_generator.go, applyReplaceOnChanges) applied when
     * {@code replaceOnChanges} is given.
     */
    static Change diff(Map<String, Object> old, Registration r, Iterable<String> replaceOnChanges) {
        Set<String> changed = changedInputs(old, r);
        if (changed.isEmpty()) {
            return Change.SAME;
        }
        if (!r.custom()) {
            // A component has no provider: the engine compares its inputs (step_generator.go, diff: prov == nil).
            return Change.UPDATE;
        }
        for (String path : replaceOnChanges) {
            if (changed.contains(rootOf(path))) {
                return Change.REPLACE;
            }
        }
        return providerDiff(old, r, changed);
    }

    private static Change providerDiff(Map<String, Object> old, Registration r, Set<String> changed) {
        String type = r.type();
        if (type.equals(REMOTE_COMMAND) || type.equals(LOCAL_COMMAND)) {
            // Only `triggers` is replaceOnChanges (pulumi/pulumi-command v1.2.1:provider/pkg/provider/common/inputs.go);
            // the infer layer forces a replace only for such inputs, since Command has an Update
            // (pulumi/pulumi-go-provider v1.3.0:infer/resource.go, derivedResourceController.Diff).
            return changed.contains("triggers") ? Change.REPLACE : Change.UPDATE;
        }
        if (type.startsWith("random:")) {
            // Every argument of the random resources requires replacement (hashicorp/terraform-provider-random:
            // internal/provider/resource_password.go, resource_id.go: RequiresReplace plan modifiers).
            return Change.REPLACE;
        }
        if (type.equals(KUBERNETES_PROVIDER)) {
            // An unknown kubeconfig replaces the provider; a known one when anything in the active cluster's entry
            // changed, its proxy-url too (pulumi/pulumi-kubernetes v4.0.0:provider/pkg/provider/provider.go,
            // DiffConfig).
            if (r.unknownInputs().contains("kubeconfig")) {
                return Change.REPLACE;
            }
            return changed.contains("kubeconfig") && !activeCluster(old.get("kubeconfig"))
                    .equals(activeCluster(r.inputs().get("kubeconfig"))) ? Change.REPLACE : Change.UPDATE;
        }
        if (type.startsWith("kubernetes:")) {
            // A changed name is a new object (pulumi/pulumi-kubernetes v4.0.0:provider/pkg/provider/provider.go,
            // Diff: metadata.name and a Release's name force a replacement).
            return changed.contains("metadata") || changed.contains("name") ? Change.REPLACE : Change.UPDATE;
        }
        throw new IllegalArgumentException("no diff rule modelled for " + type + " (" + r.name() + ")");
    }

    /**
     * The active cluster's entry of a kubeconfig: the cluster of the current context, every field of it (server,
     * CA, proxy-url, ...), as DiffConfig compares them (reflect.DeepEqual of client-go's clientapi.Cluster:
     * pulumi/pulumi-kubernetes v4.0.0:provider/pkg/provider/util.go, getActiveClusterFromConfig).
     */
    private static JsonNode activeCluster(Object kubeconfig) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(String.valueOf(kubeconfig));
            String current = root.path("current-context").asText();
            String cluster = "";
            for (JsonNode context : root.path("contexts")) {
                if (context.path("name").asText().equals(current)) {
                    cluster = context.path("context").path("cluster").asText();
                }
            }
            for (JsonNode entry : root.path("clusters")) {
                if (entry.path("name").asText().equals(cluster)) {
                    return entry.path("cluster");
                }
            }
            return MissingNode.getInstance();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rootOf(String path) {
        int end = path.length();
        for (char c : new char[]{'[', '.'}) {
            int i = path.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return path.substring(0, end);
    }
}
