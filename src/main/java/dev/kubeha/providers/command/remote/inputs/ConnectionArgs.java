package dev.kubeha.providers.command.remote.inputs;

import com.pulumi.core.Output;
import com.pulumi.core.annotations.Import;
import com.pulumi.resources.ResourceArgs;
import java.util.Objects;
import java.util.Optional;

/** command:remote:Connection: how to reach a host over SSH (port is a number in the schema, hence Double; dialErrorLimit -1 is unlimited). */
public final class ConnectionArgs extends ResourceArgs {

    public static final ConnectionArgs Empty = new ConnectionArgs();

    @Import(name = "agentSocketPath")
    private Output<String> agentSocketPath;

    @Import(name = "dialErrorLimit")
    private Output<Integer> dialErrorLimit;

    @Import(name = "host", required = true)
    private Output<String> host;

    @Import(name = "hostKey")
    private Output<String> hostKey;

    @Import(name = "password")
    private Output<String> password;

    @Import(name = "perDialTimeout")
    private Output<Integer> perDialTimeout;

    @Import(name = "port")
    private Output<Double> port;

    @Import(name = "privateKey")
    private Output<String> privateKey;

    @Import(name = "privateKeyPassword")
    private Output<String> privateKeyPassword;

    @Import(name = "user")
    private Output<String> user;

    @Import(name = "proxy")
    private Output<ProxyConnectionArgs> proxy;

    public Optional<Output<String>> agentSocketPath() {
        return Optional.ofNullable(this.agentSocketPath);
    }

    public Optional<Output<Integer>> dialErrorLimit() {
        return Optional.ofNullable(this.dialErrorLimit);
    }

    public Output<String> host() {
        return this.host;
    }

    public Optional<Output<String>> hostKey() {
        return Optional.ofNullable(this.hostKey);
    }

    public Optional<Output<String>> password() {
        return Optional.ofNullable(this.password);
    }

    public Optional<Output<Integer>> perDialTimeout() {
        return Optional.ofNullable(this.perDialTimeout);
    }

    public Optional<Output<Double>> port() {
        return Optional.ofNullable(this.port);
    }

    public Optional<Output<String>> privateKey() {
        return Optional.ofNullable(this.privateKey);
    }

    public Optional<Output<String>> privateKeyPassword() {
        return Optional.ofNullable(this.privateKeyPassword);
    }

    public Optional<Output<String>> user() {
        return Optional.ofNullable(this.user);
    }

    public Optional<Output<ProxyConnectionArgs>> proxy() {
        return Optional.ofNullable(this.proxy);
    }

    private ConnectionArgs() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds ConnectionArgs; setters take a plain value or an Output. */
    public static final class Builder {
        private final ConnectionArgs args = new ConnectionArgs();

        public Builder agentSocketPath(Output<String> agentSocketPath) {
            this.args.agentSocketPath = agentSocketPath;
            return this;
        }

        public Builder agentSocketPath(String agentSocketPath) {
            return agentSocketPath(Output.of(agentSocketPath));
        }

        public Builder dialErrorLimit(Output<Integer> dialErrorLimit) {
            this.args.dialErrorLimit = dialErrorLimit;
            return this;
        }

        public Builder dialErrorLimit(Integer dialErrorLimit) {
            return dialErrorLimit(Output.of(dialErrorLimit));
        }

        public Builder host(Output<String> host) {
            this.args.host = host;
            return this;
        }

        public Builder host(String host) {
            return host(Output.of(host));
        }

        public Builder hostKey(Output<String> hostKey) {
            this.args.hostKey = hostKey;
            return this;
        }

        public Builder hostKey(String hostKey) {
            return hostKey(Output.of(hostKey));
        }

        public Builder password(Output<String> password) {
            this.args.password = password;
            return this;
        }

        public Builder password(String password) {
            return password(Output.of(password));
        }

        public Builder perDialTimeout(Output<Integer> perDialTimeout) {
            this.args.perDialTimeout = perDialTimeout;
            return this;
        }

        public Builder perDialTimeout(Integer perDialTimeout) {
            return perDialTimeout(Output.of(perDialTimeout));
        }

        public Builder port(Output<Double> port) {
            this.args.port = port;
            return this;
        }

        public Builder port(Double port) {
            return port(Output.of(port));
        }

        public Builder privateKey(Output<String> privateKey) {
            this.args.privateKey = privateKey;
            return this;
        }

        public Builder privateKey(String privateKey) {
            return privateKey(Output.of(privateKey));
        }

        public Builder privateKeyPassword(Output<String> privateKeyPassword) {
            this.args.privateKeyPassword = privateKeyPassword;
            return this;
        }

        public Builder privateKeyPassword(String privateKeyPassword) {
            return privateKeyPassword(Output.of(privateKeyPassword));
        }

        public Builder user(Output<String> user) {
            this.args.user = user;
            return this;
        }

        public Builder user(String user) {
            return user(Output.of(user));
        }

        public Builder proxy(Output<ProxyConnectionArgs> proxy) {
            this.args.proxy = proxy;
            return this;
        }

        public Builder proxy(ProxyConnectionArgs proxy) {
            return proxy(Output.of(proxy));
        }

        public ConnectionArgs build() {
            this.args.host = Objects.requireNonNull(this.args.host, "expected parameter 'host' to be non-null");
            return this.args;
        }
    }
}
