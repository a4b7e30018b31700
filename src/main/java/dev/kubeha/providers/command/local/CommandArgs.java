package dev.kubeha.providers.command.local;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.ResourceArgs;
import dev.kubeha.providers.command.local.enums.Logging;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Inputs of command:local:Command (schema command 1.2.1): a command run on the machine that runs Pulumi. */
public final class CommandArgs extends ResourceArgs {

    public static final CommandArgs Empty = new CommandArgs();

    @Import(name = "addPreviousOutputInEnv")
    private Output<Boolean> addPreviousOutputInEnv;

    @Import(name = "archivePaths")
    private Output<List<String>> archivePaths;

    @Import(name = "assetPaths")
    private Output<List<String>> assetPaths;

    @Import(name = "create")
    private Output<String> create;

    @Import(name = "delete")
    private Output<String> delete;

    @Import(name = "dir")
    private Output<String> dir;

    @Import(name = "environment")
    private Output<Map<String, String>> environment;

    @Import(name = "interpreter")
    private Output<List<String>> interpreter;

    @Import(name = "logging")
    private Output<Logging> logging;

    @Import(name = "stdin")
    private Output<String> stdin;

    @Import(name = "triggers")
    private Output<List<Object>> triggers;

    @Import(name = "update")
    private Output<String> update;

    public Optional<Output<Boolean>> addPreviousOutputInEnv() {
        return Optional.ofNullable(this.addPreviousOutputInEnv);
    }

    public Optional<Output<List<String>>> archivePaths() {
        return Optional.ofNullable(this.archivePaths);
    }

    public Optional<Output<List<String>>> assetPaths() {
        return Optional.ofNullable(this.assetPaths);
    }

    public Optional<Output<String>> create() {
        return Optional.ofNullable(this.create);
    }

    public Optional<Output<String>> delete() {
        return Optional.ofNullable(this.delete);
    }

    public Optional<Output<String>> dir() {
        return Optional.ofNullable(this.dir);
    }

    public Optional<Output<Map<String, String>>> environment() {
        return Optional.ofNullable(this.environment);
    }

    public Optional<Output<List<String>>> interpreter() {
        return Optional.ofNullable(this.interpreter);
    }

    public Optional<Output<Logging>> logging() {
        return Optional.ofNullable(this.logging);
    }

    public Optional<Output<String>> stdin() {
        return Optional.ofNullable(this.stdin);
    }

    public Optional<Output<List<Object>>> triggers() {
        return Optional.ofNullable(this.triggers);
    }

    public Optional<Output<String>> update() {
        return Optional.ofNullable(this.update);
    }

    private CommandArgs() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds CommandArgs; setters take a plain value or an Output. */
    public static final class Builder {
        private final CommandArgs args = new CommandArgs();

        public Builder addPreviousOutputInEnv(Output<Boolean> addPreviousOutputInEnv) {
            this.args.addPreviousOutputInEnv = addPreviousOutputInEnv;
            return this;
        }

        public Builder addPreviousOutputInEnv(Boolean addPreviousOutputInEnv) {
            return addPreviousOutputInEnv(Output.of(addPreviousOutputInEnv));
        }

        public Builder archivePaths(Output<List<String>> archivePaths) {
            this.args.archivePaths = archivePaths;
            return this;
        }

        public Builder archivePaths(String... archivePaths) {
            return archivePaths(Output.of(List.of(archivePaths)));
        }

        public Builder assetPaths(Output<List<String>> assetPaths) {
            this.args.assetPaths = assetPaths;
            return this;
        }

        public Builder assetPaths(String... assetPaths) {
            return assetPaths(Output.of(List.of(assetPaths)));
        }

        public Builder create(Output<String> create) {
            this.args.create = create;
            return this;
        }

        public Builder create(String create) {
            return create(Output.of(create));
        }

        public Builder delete(Output<String> delete) {
            this.args.delete = delete;
            return this;
        }

        public Builder delete(String delete) {
            return delete(Output.of(delete));
        }

        public Builder dir(Output<String> dir) {
            this.args.dir = dir;
            return this;
        }

        public Builder dir(String dir) {
            return dir(Output.of(dir));
        }

        public Builder environment(Output<Map<String, String>> environment) {
            this.args.environment = environment;
            return this;
        }

        public Builder environment(Map<String, String> environment) {
            return environment(Output.of(environment));
        }

        public Builder interpreter(Output<List<String>> interpreter) {
            this.args.interpreter = interpreter;
            return this;
        }

        public Builder interpreter(String... interpreter) {
            return interpreter(Output.of(List.of(interpreter)));
        }

        public Builder logging(Output<Logging> logging) {
            this.args.logging = logging;
            return this;
        }

        public Builder logging(Logging logging) {
            return logging(Output.of(logging));
        }

        public Builder stdin(Output<String> stdin) {
            this.args.stdin = stdin;
            return this;
        }

        public Builder stdin(String stdin) {
            return stdin(Output.of(stdin));
        }

        public Builder triggers(Output<List<Object>> triggers) {
            this.args.triggers = triggers;
            return this;
        }

        public Builder triggers(Object... triggers) {
            return triggers(Output.of(List.of(triggers)));
        }

        public Builder update(Output<String> update) {
            this.args.update = update;
            return this;
        }

        public Builder update(String update) {
            return update(Output.of(update));
        }

        public CommandArgs build() {
            return this.args;
        }
    }
}
