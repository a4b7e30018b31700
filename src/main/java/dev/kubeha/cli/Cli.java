package dev.kubeha.cli;

import dev.kubeha.Main;
import dev.kubeha.config.ClusterConfigParser;
import dev.kubeha.config.ConfigException;
import dev.kubeha.config.RawConfig;
import dev.kubeha.config.StackFile;
import dev.kubeha.plan.Bench;
import dev.kubeha.plan.OutOfMemoryExit;
import dev.kubeha.plan.PlanReport;
import dev.kubeha.plan.Planner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The offline command-line tool, run from the repository root:
 * {@code ./kubeha validate --stack NAME} and {@code ./kubeha plan --stack NAME [--out DIR] [--json]} (the launcher
 * {@code kubeha} runs {@code java -jar target/kubeha.jar} with JVM settings for short runs).
 * Exit codes: 0 fine, 1 invalid configuration (or the program failed), 2 usage or missing stack file, 3 not enough
 * memory (a message says which {@code -Xmx} to run java with: {@link OutOfMemoryExit}).
 */
public final class Cli {
    public static final String USAGE = """
            usage: ./kubeha validate --stack NAME [--project-dir DIR]
                   ./kubeha plan --stack NAME [--out DIR] [--json] [--project-dir DIR]
                   ./kubeha bench    (simulated first up for 5, 100, 500 workers; rolling upgrade)
                   (./kubeha runs java -jar target/kubeha.jar with JVM settings for short runs)
            Reads Pulumi.NAME.yaml from the project directory (default: the current one, the repository root).
            Without arguments the jar is the Pulumi program: run it with `pulumi preview` or `pulumi up`.""";

    /** The common pool's parallelism, read once when the pool is created (java.util.concurrent.ForkJoinPool). */
    private static final String POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private Cli() {
    }

    /**
     * Called first by the offline tool, before anything creates the common pool: the SDK's asynchronous steps (one
     * per resource at least: com.pulumi:pulumi 1.36.1 DeploymentImpl, completeResourceAsync's thenApplyAsync) run on
     * CompletableFuture's default executor, which is the common pool only when its parallelism is at least 2, and
     * otherwise "a new Thread is created to run each task" (java.util.concurrent.CompletableFuture); the common
     * pool's parallelism is the processors minus one, so a 2-core machine started a thread per resource (5,000 for a
     * plan of 500 workers). An explicit -D setting is kept.
     */
    public static void useCommonPool() {
        if (System.getProperty(POOL_PARALLELISM) == null) {
            System.setProperty(POOL_PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
        }
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length > 0 ? args[0] : "";
        if (List.of("--help", "-h", "help").contains(command)) {
            out.println(USAGE);
            return 0;
        }
        if (command.equals("bench") && args.length == 1) {
            List<Integer> sizes = List.of(5, 100, 500);
            OutOfMemoryExit.planning(Bench.nodes(sizes.get(sizes.size() - 1)));
            try {
                // One day for every plan of the report: a change plan across midnight would see the daily
                // certificate checks change.
                out.print(Bench.report(sizes, 100, Main.stackOn(Main.today())));
            } catch (OutOfMemoryError e) {
                err.print(OutOfMemoryExit.message());
                return OutOfMemoryExit.EXIT_CODE;
            }
            return 0;
        }
        String stack = null;
        Path outDir = null;
        Path projectDir = Path.of(".");
        boolean json = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--stack" -> stack = i + 1 < args.length ? args[++i] : null;
                case "--out" -> outDir = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--json" -> json = true;
                case "--project-dir" -> projectDir = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    err.println("kubeha: unknown argument '" + args[i] + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        if (!List.of("validate", "plan").contains(command) || stack == null || projectDir == null) {
            err.println(USAGE);
            return 2;
        }
        Path stackFile = projectDir.resolve("Pulumi." + stack + ".yaml");
        if (!Files.isRegularFile(stackFile)) {
            err.println("kubeha: " + stackFile.toAbsolutePath() + " does not exist (run from the repository root)");
            return 2;
        }
        try {
            RawConfig raw = StackFile.read(stackFile);
            ClusterConfigParser.Result parsed = ClusterConfigParser.parse(raw, projectDir);
            parsed.warnings().forEach(w -> err.println("warning: kubeha:" + w));
            parsed.unchecked().forEach(u -> err.println("not checked offline: " + u));
            if (parsed.config().isEmpty()) {
                err.println(stackFile + ": " + ConfigException.describe(parsed.errors()));
                return 1;
            }
            if (command.equals("validate")) {
                out.println("valid: " + PlanReport.summary(stack, parsed.config().get()));
                return 0;
            }
            OutOfMemoryExit.planning(parsed.config().get().allNodes().size());
            Planner.Plan plan = Planner.plan(stack, raw, Main::stack);
            if (outDir != null) {
                List<Path> files = PlanReport.writeFiles(plan, outDir);
                err.println("kubeha: wrote " + files.size() + " files under " + outDir);
            }
            out.print(json ? PlanReport.json(plan) : PlanReport.text(plan));
            return plan.errors().isEmpty() ? 0 : 1;
        } catch (ConfigException e) {
            err.println(stackFile + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("kubeha: " + e.getMessage());
            return 2;
        } catch (OutOfMemoryError e) {
            err.print(OutOfMemoryExit.message());
            return OutOfMemoryExit.EXIT_CODE;
        }
    }
}
