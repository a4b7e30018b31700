package dev.kubeha;

import com.pulumi.Context;
import com.pulumi.Pulumi;
import dev.kubeha.cli.Cli;
import dev.kubeha.plan.OutOfMemoryExit;
import dev.kubeha.config.ClusterConfig;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.ConfigException;
import dev.kubeha.config.EngineConfig;
import dev.kubeha.config.ProjectSchema;
import dev.kubeha.config.RawConfig;

import java.io.PrintStream;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The kubeha program. Without arguments it is the Pulumi program ({@code pulumi up} runs it through Maven);
 * with {@code validate} or {@code plan} it is the offline command-line tool (see {@link Cli}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            Cli.useCommonPool();
            OutOfMemoryExit.install();
            System.exit(Cli.run(args, System.out, System.err));
        }
        System.exit(start(System.getenv(), System.err, checked -> Pulumi.run(ctx -> build(ctx, checked, today()))));
    }

    /**
     * The program run by the engine. The whole config is checked first, from the environment the Java language host
     * sets ({@link EngineConfig}), before the SDK starts: on an error the list goes to stderr and the exit code is 1,
     * nothing is created, and no stack trace is printed (an exception in {@code Pulumi.run} is logged by the SDK with
     * its trace: com.pulumi:pulumi 1.36.1 DeploymentImpl.DefaultRunner, "failed with an unhandled exception"). The
     * Java language host buffers the program's output and shows it only when the program fails
     * (pulumi/pulumi-java pkg/cmd/pulumi-language-java/main.go, Run), so warnings go through the engine's log.
     * Outside the engine it says how to run it, instead of the SDK's "Program run without the Pulumi engine".
     *
     * @param deploy runs the program with the checked config (Pulumi.run, which exits)
     * @return the exit code
     */
    static int start(Map<String, String> env, PrintStream err, Consumer<ClusterConfigParser.Result> deploy) {
        if (!EngineConfig.isEngineRun(env)) {
            err.println("kubeha: not run by the Pulumi engine (" + EngineConfig.MONITOR + " is not set)\n" + Cli.USAGE);
            return 2;
        }
        ClusterConfigParser.Result checked = ClusterConfigParser.parse(EngineConfig.read(env));
        if (checked.config().isEmpty()) {
            err.println(ConfigException.describe(checked.errors()));
            return 1;
        }
        deploy.accept(checked);
        return 0;
    }

    /**
     * The whole program under the mock engine (tests, plan): the config as the SDK's {@code ctx.config()} gives it,
     * checked the same way (an error stops it before anything is created), then the cluster.
     */
    public static void stack(Context ctx) {
        stackOn(today()).accept(ctx);
    }

    /** The same, run on {@code day} (UTC): the day stamp of the certificate checks (tests of a later day). */
    public static Consumer<Context> stackOn(LocalDate day) {
        return ctx -> {
            RawConfig raw = RawConfig.fromLookup(ProjectSchema.get().keys().keySet(), key -> ctx.config().get(key));
            build(ctx, ClusterConfigParser.parse(raw), day);
        };
    }

    /** Today in UTC: every user of a stack, wherever they are, sees the same day. */
    public static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    private static void build(Context ctx, ClusterConfigParser.Result checked, LocalDate day) {
        ClusterConfig config = checked.orThrow();
        checked.warnings().forEach(w -> ctx.log().warn("kubeha:" + w));
        Cluster.create(ctx, config, day);
    }
}
