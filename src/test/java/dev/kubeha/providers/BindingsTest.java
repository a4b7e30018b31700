package dev.kubeha.providers;

import com.pulumi.core.Output;
import com.pulumi.resources.CustomResourceOptions;
import dev.kubeha.config.RawConfig;
import dev.kubeha.providers.command.remote.Command;
import dev.kubeha.providers.command.remote.CommandArgs;
import dev.kubeha.providers.command.remote.enums.Logging;
import dev.kubeha.providers.command.remote.inputs.ConnectionArgs;
import dev.kubeha.providers.command.remote.inputs.ProxyConnectionArgs;
import dev.kubeha.providers.random.RandomId;
import dev.kubeha.providers.random.RandomIdArgs;
import dev.kubeha.providers.random.RandomPassword;
import dev.kubeha.providers.random.RandomPasswordArgs;
import dev.kubeha.providers.random.RandomString;
import dev.kubeha.providers.random.RandomStringArgs;
import dev.kubeha.plan.Recorder;
import dev.kubeha.testing.ProgramRun;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each binding registers the provider's exact token, inputs and generated-SDK options; outputs deserialise. */
class BindingsTest {

    @Test
    void remoteCommandWithConnectionAndProxy() {
        AtomicReference<Command> cmd = new AtomicReference<>();
        ProgramRun run = ProgramRun.of(RawConfig.of(Map.of()), ctx -> cmd.set(new Command("c1", CommandArgs.builder()
                .connection(ConnectionArgs.builder().host("10.0.0.5").port(2222.0).user("ops").privateKey(Output.ofSecret("KEY"))
                        .dialErrorLimit(40).perDialTimeout(15)
                        .proxy(ProxyConnectionArgs.builder().host("bastion").user("jump").build()).build())
                .create("bash -s").stdin(Output.ofSecret("echo hi")).delete("echo bye").logging(Logging.None)
                .triggers(Output.of(List.<Object>of("a")))
                .build(), CustomResourceOptions.builder().additionalSecretOutputs("stdout").build())));
        Recorder.Registration r = run.get("c1");
        assertEquals("command:remote:Command", r.type());
        assertEquals("1.2.1", r.version());
        assertTrue(r.additionalSecretOutputs().containsAll(List.of("connection", "stdout")), r.additionalSecretOutputs().toString());
        assertEquals(List.of("triggers[*]"), r.replaceOnChanges());
        @SuppressWarnings("unchecked")
        Map<String, Object> connection = (Map<String, Object>) r.inputs().get("connection");
        assertEquals("10.0.0.5", connection.get("host"));
        assertEquals(2222.0, ((Number) connection.get("port")).doubleValue());
        assertEquals("KEY", connection.get("privateKey"));
        assertEquals(40, ((Number) connection.get("dialErrorLimit")).intValue());
        assertEquals(Map.of("host", "bastion", "user", "jump"), connection.get("proxy"));
        assertEquals("bash -s", r.inputs().get("create"));
        assertEquals("echo hi", r.inputs().get("stdin"));
        assertEquals("echo bye", r.inputs().get("delete"));
        assertEquals("none", r.inputs().get("logging"));
        assertEquals(List.of("a"), r.inputs().get("triggers"));
        assertEquals("", ProgramRun.value(cmd.get().stdout()), "stdout deserialises from the provider's state");
        assertTrue(run.isSecretInput("c1", "stdin"), "a secret Output stays secret on its way to the engine");
        assertTrue(!run.isSecretInput("c1", "delete"), "plain inputs are not secret");
    }

    @Test
    void localCommand() {
        ProgramRun run = ProgramRun.of(RawConfig.of(Map.of()), ctx -> new dev.kubeha.providers.command.local.Command("l1",
                dev.kubeha.providers.command.local.CommandArgs.builder().create("vagrant up x").dir("vagrant")
                        .environment(Map.of("A", "b")).interpreter("/bin/bash", "-c").build()));
        Recorder.Registration r = run.get("l1");
        assertEquals("command:local:Command", r.type());
        assertEquals("1.2.1", r.version());
        assertEquals(List.of(), r.additionalSecretOutputs());
        assertEquals(List.of("triggers[*]"), r.replaceOnChanges());
        assertEquals("vagrant", r.inputs().get("dir"));
        assertEquals(List.of("/bin/bash", "-c"), r.inputs().get("interpreter"));
        assertEquals(Map.of("A", "b"), r.inputs().get("environment"));
    }

    @Test
    void randomResources() {
        AtomicReference<RandomPassword> pw = new AtomicReference<>();
        ProgramRun run = ProgramRun.of(RawConfig.of(Map.of()), ctx -> {
            pw.set(new RandomPassword("p", RandomPasswordArgs.builder().length(24).special(false).overrideSpecial("ab").build()));
            new RandomString("s", RandomStringArgs.builder().length(6).upper(false).build());
            new RandomId("i", RandomIdArgs.builder().byteLength(32).prefix("x").build());
        });
        assertEquals("random:index/randomPassword:RandomPassword", run.get("p").type());
        assertEquals("4.21.1", run.get("p").version());
        assertEquals(List.of("bcryptHash", "result"), run.get("p").additionalSecretOutputs());
        assertEquals(24, ((Number) run.get("p").inputs().get("length")).intValue());
        assertEquals(false, run.get("p").inputs().get("special"));
        assertEquals("random:index/randomString:RandomString", run.get("s").type());
        assertEquals(List.of(), run.get("s").additionalSecretOutputs());
        assertEquals("random:index/randomId:RandomId", run.get("i").type());
        assertEquals(32, ((Number) run.get("i").inputs().get("byteLength")).intValue());
        assertEquals(24, ProgramRun.value(pw.get().result()).length(), "result deserialises");
    }
}
