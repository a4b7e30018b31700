package dev.kubeha;

import com.pulumi.Context;
import com.pulumi.Pulumi;
import dev.kubeha.cli.Cli;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.ProjectSchema;
import dev.kubeha.config.RawConfig;

/**
 * The kubeha program. Without arguments it is the Pulumi program ({@code pulumi up} runs it through Maven);
 * with {@code validate} or {@code plan} it is the offline command-line tool (see {@link Cli}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            System.exit(Cli.run(args, System.out, System.err));
        }
        Pulumi.run(Main::stack);
    }

    /** The whole program: validated config first (nothing is created on an error), then the cluster. */
    public static void stack(Context ctx) {
        RawConfig raw = RawConfig.fromLookup(ProjectSchema.get().keys().keySet(), key -> ctx.config().get(key));
        ClusterConfig config = ClusterConfigParser.parseOrThrow(raw);
        config.warnings().forEach(w -> ctx.log().warn("kubeha:" + w));
        Cluster.create(ctx, config);
    }
}
