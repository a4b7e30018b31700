package dev.kubeha.providers.command.remote;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.ResourceArgs;
import dev.kubeha.providers.command.remote.enums.Logging;
import dev.kubeha.providers.command.remote.inputs.ConnectionArgs;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Inputs of command:remote:Command (schema command 1.2.1). Only {@code triggers} forces replacement; other changes update in place. */
public final class CommandArgs extends ResourceArgs {

    public static final CommandArgs Empty = new CommandArgs();

    @Import(name = "addPreviousOutputInEnv")
    private Output<Boolean> addPreviousOutputInEnv;

    @Import(name = "connection", required = true)
    private Output<ConnectionArgs> connection;

    @Import(name = "create")
    private Output<String> create;

    @Import(name = "delete")
    private Output<String> delete;

    @Import(name = "environment")
    private Output<Map<String, String>> environment;

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

    public Output<ConnectionArgs> connection() {
        return this.connection;
    }

    public Optional<Output<String>> create() {
        return Optional.ofNullable(this.create);
    }

    public Optional<Output<String>> delete() {
        return Optional.ofNullable(this.delete);
    }

    public Optional<Output<Map<String, String>>> environment() {
        return Optional.ofNullable(this.environment);
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

        public Builder connection(Output<ConnectionArgs> connection) {
            this.args.connection = connection;
            return this;
        }

        public Builder connection(ConnectionArgs connection) {
            return connection(Output.of(connection));
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

        public Builder environment(Output<Map<String, String>> environment) {
            this.args.environment = environment;
            return this;
        }

        public Builder environment(Map<String, String> environment) {
            return environment(Output.of(environment));
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
            this.args.connection = Objects.requireNonNull(this.args.connection, "expected parameter 'connection' to be non-null");
            return this.args;
        }
    }
}
