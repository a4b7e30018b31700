package dev.kubeha.plan;

import com.pulumi.deployment.internal.Runner;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The SDK's task runner for a run under the mock engine, whose polling loop starts only once the program's tasks
 * have settled: every task registered so far has finished, or one has failed. Until then the tasks are watched here,
 * by their completion, and only a failed one is handed to the SDK's runner, which reports it as it would have.
 * <p>
 * Why (com.pulumi:pulumi 1.36.1, pulumi/pulumi-java sdk/java/pulumi/src/main/java/com/pulumi/deployment/internal/
 * DeploymentImpl.java, DefaultRunner): every Output and every resource registers its future as a task, and the
 * runner waits for them by polling: loopUntilDone reschedules itself with ContextAwareCompletableFuture.runAsync as
 * long as a task is in flight, and each turn formats the whole map of tasks in flight ("Remaining tasks [%s]: %s")
 * whatever the log level; registerTask formats the task too ("Registering task: '%s', %s"). The loop starts as soon
 * as the program's callback returns, which is at once (the stack runs in a task of its own), so it turns for the
 * whole run. CompletableFuture's default executor is a new thread per task when the common pool's parallelism is
 * below 2 (java.util.concurrent.CompletableFuture, "a new Thread is created to run each task"), i.e. on a 2-core
 * machine: a plan of 500 workers started 41,000 threads for the loop alone.
 */
final class SettledRunner implements Runner {
    private final Runner sdk;
    private final Map<CompletableFuture<?>, String> inFlight = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> failed = new CompletableFuture<>();
    private volatile boolean settled;

    SettledRunner(Runner sdk) {
        this.sdk = sdk;
    }

    @Override
    public <T> void registerTask(String description, CompletableFuture<T> task) {
        if (settled) {
            sdk.registerTask(description, task);
            return;
        }
        inFlight.put(task, description);
        task.whenComplete((value, error) -> {
            if (error != null) {
                sdk.registerTask(description, task);
                failed.complete(null);
            }
            inFlight.remove(task);
        });
    }

    @Override
    public <T> CompletableFuture<Result<T>> runAsync(Supplier<T> callback) {
        return sdk.runAsync(() -> {
            T value = callback.get();
            awaitSettled();
            return value;
        });
    }

    /** Waits until every task registered so far has finished (new ones may register meanwhile) or one has failed. */
    private void awaitSettled() {
        while (!failed.isDone() && !inFlight.isEmpty()) {
            CompletableFuture<?>[] tasks = inFlight.keySet().toArray(CompletableFuture<?>[]::new);
            CompletableFuture.anyOf(CompletableFuture.allOf(tasks), failed).handle((v, e) -> null).join();
        }
        settled = true;
        // What is still in flight (after a failure, or registered meanwhile) is the SDK's runner's to wait for.
        inFlight.forEach((task, description) -> sdk.registerTask(description, task));
    }
}
