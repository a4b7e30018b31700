package dev.kubeha.plan;

import com.pulumi.deployment.internal.EngineLogger;
import com.pulumi.resources.Resource;

import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;

/**
 * The SDK's engine log for a run under the mock engine, with its debug messages dropped before they are queued;
 * info, warnings and errors go on as before (errors still count towards the run's exit code).
 * <p>
 * Why (com.pulumi:pulumi 1.36.1, pulumi/pulumi-java sdk/java/pulumi/src/main/java/com/pulumi/deployment/internal/
 * DeploymentImpl.java): RegisterResource logs every registration at debug level twice with the whole request or
 * response in the text ("Registering resource monitor start: ... request=%s", "... end: ... result=%s", the
 * protobuf text of every input, scripts included); DefaultEngineLogger queues each message behind the previous one
 * and registers it as a runner task whose description is the message; DefaultRunner.checkForTasks formats the
 * whole map of running tasks, descriptions included ("Remaining tasks [%s]: %s"), on every turn of its loop, at
 * FINEST, whatever the log level. Nobody reads those messages in a plan (no engine prints them), but the runner
 * formatted them over and over: quadratic in the stack's size.
 */
final class WithoutDebugLog implements EngineLogger {
    private final EngineLogger log;

    WithoutDebugLog(EngineLogger log) {
        this.log = log;
    }

    @Override
    public CompletableFuture<Void> debugAsync(String message, Resource resource, Integer streamId, Boolean ephemeral) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> infoAsync(String message, Resource resource, Integer streamId, Boolean ephemeral) {
        return log.infoAsync(message, resource, streamId, ephemeral);
    }

    @Override
    public CompletableFuture<Void> warnAsync(String message, Resource resource, Integer streamId, Boolean ephemeral) {
        return log.warnAsync(message, resource, streamId, ephemeral);
    }

    @Override
    public CompletableFuture<Void> errorAsync(String message, Resource resource, Integer streamId, Boolean ephemeral) {
        return log.errorAsync(message, resource, streamId, ephemeral);
    }

    @Override
    public CompletableFuture<Void> logAsync(Level level, String message, Resource resource, Integer streamId, Boolean ephemeral) {
        return level.intValue() < Level.INFO.intValue() ? CompletableFuture.completedFuture(null)
                : log.logAsync(level, message, resource, streamId, ephemeral);
    }

    @Override
    public int getErrorCount() {
        return log.getErrorCount();
    }

    @Override
    public boolean hasLoggedErrors() {
        return log.hasLoggedErrors();
    }
}
