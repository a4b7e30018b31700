package dev.kubeha.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterConfigParserTest {

    /** A valid small cluster, as Pulumi passes config to the program (strings; arrays as JSON). */
    static Map<String, String> valid() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("vip", "192.168.56.100");
        m.put("loadBalancers", "[\"lb1=192.168.56.5\",\"lb2=192.168.56.6\"]");
        m.put("controlPlaneNodes", "[\"cp1=192.168.56.10\",\"cp2=192.168.56.11\",\"cp3=192.168.56.12\"]");
        m.put("workers", "[\"w1=192.168.56.20\"]");
        return m;
    }

    static Map<String, String> with(String... keyValues) {
        Map<String, String> m = valid();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                m.remove(keyValues[i]);
            } else {
                m.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return m;
    }

    static ClusterConfigParser.Result parse(Map<String, String> m) {
        return ClusterConfigParser.parse(RawConfig.of(m));
    }

    @Test
    void validConfigHasNoErrorsAndTakesDefaultsFromPulumiYaml() {
        ClusterConfigParser.Result r = parse(valid());
        assertEquals(List.of(), r.errors());
        ClusterConfig c = r.orThrow();
        assertEquals("192.168.56.100:6443", c.apiEndpoint());
        assertEquals("10.244.0.0/16", c.podSubnet());
        assertEquals("10.96.0.0/12", c.serviceSubnet());
        assertEquals(CniPlugin.FLANNEL, c.cni());
        assertEquals(Provisioner.VAGRANT, c.provisioner());
        assertEquals("cp1", c.firstControlPlane().name());
        assertEquals(6, c.allNodes().size());
        assertEquals("192.168.56.0/24", c.nodeNetwork().toString());
    }

    @Test
    void shippedVagrantStackIsValidWithTheSeedTopology() throws Exception {
        ClusterConfigParser.Result r = ClusterConfigParser.parse(RawConfig.fromStackFile(Path.of("Pulumi.vagrant.yaml")));
        assertEquals(List.of(), r.errors());
        ClusterConfig c = r.orThrow();
        assertEquals(List.of("k8s-lb1", "k8s-lb2"), c.loadBalancers().stream().map(Node::name).toList());
        assertEquals(3, c.controlPlane().size());
        assertEquals(5, c.workers().size());
        assertEquals("192.168.56.100", c.vip());
        assertEquals("192.168.56.10", c.firstControlPlane().address());
        assertEquals(List.of(), r.warnings());
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                Arguments.of("one load balancer", with("loadBalancers", "[\"lb1=192.168.56.5\"]"), "loadBalancers", "give 2 to 100"),
                Arguments.of("no control plane", with("controlPlaneNodes", "[]"), "controlPlaneNodes", "is empty"),
                Arguments.of("even control plane", with("controlPlaneNodes", "[\"cp1=192.168.56.10\",\"cp2=192.168.56.11\"]"), "controlPlaneNodes", "allowEvenControlPlane"),
                Arguments.of("workers not a list", with("workers", "-1"), "workers", "list"),
                Arguments.of("duplicate name", with("workers", "[\"cp2=192.168.56.20\"]"), "workers[0].name", "used twice"),
                Arguments.of("duplicate address", with("workers", "[\"w1=192.168.56.11\"]"), "workers[0].address", "used twice"),
                Arguments.of("malformed address", with("controlPlaneNodes", "[\"cp1=192.168.56.10\",\"cp2=192.168.56.300\",\"cp3=192.168.56.12\"]"), "controlPlaneNodes[1].address", "not an IPv4 address"),
                Arguments.of("entry without =", with("workers", "[\"w1 192.168.56.20\"]"), "workers[0]", "NAME=ADDRESS"),
                Arguments.of("malformed vip", with("vip", "192.168.56"), "vip", "not an IPv4 address"),
                Arguments.of("vip equals a node", with("vip", "192.168.56.10"), "vip", "also the address of cp1"),
                Arguments.of("vip outside nodes' subnet", with("vip", "10.0.0.100"), "loadBalancers[0].address", "outside the VIP's network"),
                Arguments.of("missing vip", with("vip", null), "vip", "is required"),
                Arguments.of("malformed pod CIDR", with("podSubnet", "10.244.0.0/33"), "podSubnet", "CIDR"),
                Arguments.of("pod CIDR not a network address", with("podSubnet", "10.244.1.0/16"), "podSubnet", "network address"),
                Arguments.of("pod subnet overlaps nodes (Calico default)", with("podSubnet", "192.168.0.0/16"), "podSubnet", "overlaps the node network"),
                Arguments.of("pod subnet holds fewer /24 node ranges than nodes (issue 14, item 6)",
                        with("podSubnet", "10.244.0.0/23"), "podSubnet",
                        "10.244.0.0/23 holds 2 node range(s) of /24 (kube-controller-manager gives every node one), but the stack has 4 Kubernetes nodes; use a /22 or larger"),
                Arguments.of("service subnet overlaps nodes", with("serviceSubnet", "192.168.56.0/24"), "serviceSubnet", "overlaps the node network"),
                Arguments.of("pod and service overlap", with("serviceSubnet", "10.244.0.0/20"), "serviceSubnet", "overlaps podSubnet"),
                Arguments.of("name not RFC 1123", with("workers", "[\"Worker_1=192.168.56.20\"]"), "workers[0].name", "RFC 1123"),
                Arguments.of("shell metacharacters in name", with("workers", "[\"w1;reboot=192.168.56.20\"]"), "workers[0].name", "RFC 1123"),
                Arguments.of("cluster name not RFC 1123", with("clusterName", "my cluster"), "clusterName", "RFC 1123"),
                Arguments.of("unsupported Kubernetes version", with("kubernetesVersion", "1.24"), "kubernetesVersion", "not supported"),
                Arguments.of("malformed Kubernetes version", with("kubernetesVersion", "latest"), "kubernetesVersion", "not a Kubernetes version"),
                Arguments.of("VRRP router id 0", with("keepalivedRouterId", "0"), "keepalivedRouterId", "1 to 255"),
                Arguments.of("VRRP router id 256", with("keepalivedRouterId", "256"), "keepalivedRouterId", "1 to 255"),
                Arguments.of("VRRPv2 password too long", with("keepalivedVrrpVersion", "2", "keepalivedAdvertIntervalMs", "1000", "keepalivedAuthPassword", "123456789"), "keepalivedAuthPassword", "at most 8"),
                Arguments.of("VRRPv2 with sub-second adverts", with("keepalivedVrrpVersion", "2"), "keepalivedAdvertIntervalMs", "whole seconds"),
                Arguments.of("unknown CNI", with("cni", "weave"), "cni", "flannel, calico"),
                Arguments.of("unknown provisioner", with("provisioner", "aws"), "provisioner", "vagrant, existing"),
                Arguments.of("existing hosts without credentials", with("provisioner", "existing"), "sshPrivateKeyPath", "needs a way to log in"),
                Arguments.of("port not a number", with("apiPort", "https"), "apiPort", "not a whole number"),
                Arguments.of("stats port equals API port", with("haproxyStatsPort", "6443"), "haproxyStatsPort", "own port"),
                Arguments.of("control-plane VM too small", with("vagrantControlPlaneCpus", "1"), "vagrantControlPlaneCpus", "out of range"),
                Arguments.of("unknown key (typo)", with("workrs", "[]"), "workrs", "did you mean workers"),
                Arguments.of("checks too slow for the shutdown delay", with("haproxyCheckIntervalMs", "6000"), "haproxyCheckIntervalMs", "longer than 20 s"),
                Arguments.of("unknown preemption", with("keepalivedPreempt", "sometimes"), "keepalivedPreempt", "delay, always, never"),
                Arguments.of("a minor newer than kubeha knows", with("kubernetesVersion", "1.38"), "kubernetesVersion",
                        "'1.38' is not supported; kubeha supports 1.29 to 1.37; supported by upstream today: "),
                Arguments.of("unknown containerd source", with("containerdSource", "apt"), "containerdSource", "'apt' is not one of docker, distribution"),
                Arguments.of("containerd repository per minor", with("containerdRepository", "https://mirror.example/{minor}/linux"),
                        "containerdRepository", "Docker's repository is one for every Kubernetes minor"),
                Arguments.of("backup schedule with shell", with("etcdBackupSchedule", "daily; reboot"), "etcdBackupSchedule", "not a systemd calendar expression"),
                Arguments.of("no backup schedule", with("etcdBackupSchedule", ""), "etcdBackupSchedule", "is required"),
                Arguments.of("no snapshot kept", with("etcdBackupRetention", "0"), "etcdBackupRetention", "1 to 1000"),
                Arguments.of("relative backup directory", with("etcdBackupDirectory", "backups"), "etcdBackupDirectory", "not an absolute path"),
                Arguments.of("backups inside etcd's data", with("etcdBackupDirectory", "/var/lib/etcd/backups"), "etcdBackupDirectory", "etcd's own data directory"),
                Arguments.of("restore path with a space", with("etcdRestoreFrom", "/root/my snapshot.db"), "etcdRestoreFrom", "not an absolute path"),
                Arguments.of("one etcd node", with("etcdNodes", "[\"e1=192.168.56.30\"]"), "etcdNodes", "has 1 entries; give 3 or 5"),
                Arguments.of("even etcd nodes", with("etcdNodes", ETCD_FOUR), "etcdNodes", "has 4 entries; give 3 or 5 dedicated etcd nodes (an odd count"),
                Arguments.of("etcd node that is a control-plane node", with("etcdNodes", "[\"e1=192.168.56.30\",\"cp2=192.168.56.31\",\"e3=192.168.56.32\"]"),
                        "etcdNodes[1].name", "'cp2' is used twice (also controlPlaneNodes[1])"),
                Arguments.of("etcd node on a worker's address", with("etcdNodes", "[\"e1=192.168.56.30\",\"e2=192.168.56.31\",\"e3=192.168.56.20\"]"),
                        "etcdNodes[2].address", "192.168.56.20 is used twice (also workers[0])"),
                Arguments.of("etcd node outside the node network", with("etcdNodes", "[\"e1=192.168.56.30\",\"e2=10.1.0.31\",\"e3=192.168.56.32\"]"),
                        "etcdNodes[1].address", "outside the VIP's network"),
                Arguments.of("malformed etcd node", with("etcdNodes", "[\"e1=192.168.56.30\",\"e2\",\"e3=192.168.56.32\"]"), "etcdNodes[1]", "NAME=ADDRESS"),
                Arguments.of("init node that is a worker", with("controlPlaneInitNode", "w1"), "controlPlaneInitNode", "'w1' is a worker"),
                Arguments.of("init node that is no name", with("controlPlaneInitNode", "CP_1"), "controlPlaneInitNode", "CP_1"));
    }

    static final String ETCD_THREE = "[\"e1=192.168.56.30\",\"e2=192.168.56.31\",\"e3=192.168.56.32\"]";
    static final String ETCD_FOUR = "[\"e1=192.168.56.30\",\"e2=192.168.56.31\",\"e3=192.168.56.32\",\"e4=192.168.56.33\"]";

    @Test
    void etcdNodesAreStackedWhenAbsentAndDedicatedWhenThreeOrFive() {
        ClusterConfig stacked = parse(valid()).orThrow();
        assertFalse(stacked.externalEtcd());
        assertEquals(stacked.controlPlane(), stacked.etcdMembers(), "stacked: the control-plane nodes hold etcd");
        ClusterConfig three = parse(with("etcdNodes", ETCD_THREE)).orThrow();
        assertTrue(three.externalEtcd());
        assertEquals(List.of("e1", "e2", "e3"), three.etcdMembers().stream().map(Node::name).toList());
        assertTrue(three.etcdNodes().stream().allMatch(n -> n.role() == Role.ETCD));
        assertEquals(List.of("lb1", "lb2", "cp1", "cp2", "cp3", "e1", "e2", "e3", "w1"),
                three.allNodes().stream().map(Node::name).toList(), "etcd nodes are machines too, booted before the workers");
        assertEquals(List.of("cp1", "cp2", "cp3", "w1"), three.kubernetesNodes().stream().map(Node::name).toList(),
                "etcd nodes never register as Kubernetes nodes");
        String five = "[\"e1=192.168.56.30\",\"e2=192.168.56.31\",\"e3=192.168.56.32\",\"e4=192.168.56.33\",\"e5=192.168.56.34\"]";
        assertEquals(5, parse(with("etcdNodes", five)).orThrow().etcdNodes().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigs")
    void invalidConfigNamesTheFieldAndWhatIsWrong(String title, Map<String, String> config, String path, String says) {
        ClusterConfigParser.Result r = parse(config);
        assertTrue(r.config().isEmpty(), "an invalid config yields no ClusterConfig");
        assertTrue(r.errors().stream().anyMatch(e -> e.path().equals("kubeha:" + path) && e.message().contains(says)),
                "expected an error at " + path + " saying '" + says + "', got:\n" + r.errors().stream()
                        .map(ConfigError::toString).collect(Collectors.joining("\n")));
    }

    @Test
    void theInitNodeIsTheFirstUnlessNamedAndActsForTheOthersWhileItIsThere() {
        ClusterConfig c = parse(valid()).orThrow();
        assertEquals("cp1", c.initNode().orElseThrow().name());
        assertEquals("cp1", c.actingMember(c.workers().get(0)).name());
        assertEquals("cp2", c.actingMember(c.controlPlane().get(0)).name(), "never the node acted on");
        assertTrue(c.holdsTheCluster(c.controlPlane().get(0)));

        ClusterConfig named = parse(with("controlPlaneInitNode", "cp1")).orThrow();
        assertFalse(named.holdsTheCluster(named.controlPlane().get(0)), "named: managed like any member");

        ClusterConfig left = parse(with("controlPlaneInitNode", "cp1",
                "controlPlaneNodes", "[\"cp2=192.168.56.11\",\"cp3=192.168.56.12\",\"cp4=192.168.56.13\"]")).orThrow();
        assertTrue(left.initNode().isEmpty(), "it has left");
        assertEquals("cp2", left.actingMember(null).name());
        assertEquals("cp2", left.actingMember(left.controlPlane().get(2)).name(), "cp4 joins through cp2");
        assertEquals("cp3", left.actingMember(left.controlPlane().get(0)).name());
    }

    @Test
    void etcdBackupsDefaultToTwiceADayFiveKeptAndNoRestore() {
        ClusterConfig c = parse(valid()).orThrow();
        assertEquals(new EtcdBackupSettings("*-*-* 00,12:00:00", 5, "/var/lib/kubeha/etcd-backups", java.util.Optional.empty()),
                c.etcdBackups());
        ClusterConfig restoring = parse(with("etcdRestoreFrom", "/root/etcd-k8s-master1-20261207T000000Z-scheduled.db",
                "etcdBackupSchedule", "Mon..Fri *-*-* 02:30")).orThrow();
        assertEquals("/root/etcd-k8s-master1-20261207T000000Z-scheduled.db", restoring.etcdBackups().restoreFrom().orElseThrow());
        assertEquals("Mon..Fri *-*-* 02:30", restoring.etcdBackups().schedule());
        ClusterConfig external = parse(with("etcdNodes", ETCD_THREE, "etcdRestoreFrom", "/root/etcd.db")).orThrow();
        assertEquals("/root/etcd.db", external.etcdBackups().restoreFrom().orElseThrow(), "external etcd restores too");
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        ClusterConfigParser.Result r = parse(with("vip", "nope", "podSubnet", "x", "kubernetesVersion", "2.0",
                "keepalivedRouterId", "999", "workers", "[\"BAD=1.2.3\"]"));
        List<String> paths = r.errors().stream().map(ConfigError::path).toList();
        assertTrue(paths.containsAll(List.of("kubeha:vip", "kubeha:podSubnet", "kubeha:kubernetesVersion",
                "kubeha:keepalivedRouterId", "kubeha:workers[0].name", "kubeha:workers[0].address")), paths.toString());
        ConfigException e = assertThrows(ConfigException.class, r::orThrow);
        assertTrue(e.getMessage().contains("kubeha:vip: 'nope' is not an IPv4 address"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was created"), e.getMessage());
    }

    @Test
    void evenControlPlaneIsAcceptedOnlyWithOverrideAndWarnsAboutQuorum() {
        ClusterConfigParser.Result r = parse(with("controlPlaneNodes",
                "[\"cp1=192.168.56.10\",\"cp2=192.168.56.11\",\"cp3=192.168.56.12\",\"cp4=192.168.56.13\"]",
                "allowEvenControlPlane", "true"));
        assertEquals(List.of(), r.errors());
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).contains("quorum is 3") && r.warnings().get(0).contains("tolerates 1"), r.warnings().get(0));
    }

    @Test
    void aStackBehindABastionSaysHowThisMachineReachesTheApi() {
        // Only SSH goes through the bastion; the Kubernetes provider dials the VIP from this machine (issue 14, item 7).
        Map<String, String> existing = with("provisioner", "existing", "sshPrivateKey", "KEY", "bastionHost", "jump.example.org");
        ClusterConfigParser.Result refused = parse(existing);
        assertEquals(List.of("kubeha:kubernetesApiProxy"), refused.errors().stream().map(ConfigError::path).toList(), refused.errors().toString());
        assertTrue(refused.errors().get(0).message().startsWith("is required with bastionHost: only SSH goes through the bastion")
                && refused.errors().get(0).message().contains("ssh -N -D 1080 -p 22 ")
                && refused.errors().get(0).message().contains("@jump.example.org) and set kubeha:kubernetesApiProxy socks5://127.0.0.1:1080"),
                refused.errors().get(0).message());

        Map<String, String> tunnel = new java.util.HashMap<>(existing);
        tunnel.put("kubernetesApiProxy", "socks5://127.0.0.1:1080");
        assertEquals(java.util.Optional.of("socks5://127.0.0.1:1080"), parse(tunnel).orThrow().kubernetesApiProxy());
        tunnel.put("kubernetesApiProxy", "direct");
        assertEquals(java.util.Optional.empty(), parse(tunnel).orThrow().kubernetesApiProxy());
        tunnel.put("kubernetesApiProxy", "ftp://x");
        assertEquals("kubeha:kubernetesApiProxy", parse(tunnel).errors().get(0).path());
    }

    @Test
    void aMissingNodeListIsReportedOnce() {
        ClusterConfigParser.Result r = parse(with("loadBalancers", null));
        assertEquals(1, r.errors().stream().filter(e -> e.toString().contains("kubeha:loadBalancers: is required")).count(),
                r.errors().toString());
    }

    @Test
    void aPodSubnetWithExactlyOneRangePerNodeIsAccepted() {
        assertEquals(List.of(), parse(with("podSubnet", "10.244.0.0/22")).errors(), "4 nodes, 4 ranges of /24");
    }

    @Test
    void threeLoadBalancersAreAcceptedAndAHundredAndOneAreNot() {
        ClusterConfigParser.Result three = parse(with("loadBalancers",
                "[\"lb1=192.168.56.5\",\"lb2=192.168.56.6\",\"lb3=192.168.56.7\"]"));
        assertEquals(List.of(), three.errors());
        String many = java.util.stream.IntStream.rangeClosed(1, 101).mapToObj(i -> "\"lb" + i + "=10.1." + (i / 200) + "." + (i % 200 + 1) + "\"")
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
        ClusterConfigParser.Result tooMany = parse(with("loadBalancers", many, "vip", "10.1.0.250", "vipPrefixLength", "16",
                "controlPlaneNodes", "[\"cp1=10.1.1.10\",\"cp2=10.1.1.11\",\"cp3=10.1.1.12\"]", "workers", "[]",
                "podSubnet", "10.244.0.0/16"));
        assertTrue(tooMany.errors().stream().anyMatch(e -> e.toString().startsWith("kubeha:loadBalancers: has 101 entries; give 2 to 100")),
                tooMany.errors().toString());
    }

    @Test
    void oneControlPlaneNodeIsAcceptedWithAWarningThatItIsNotHighlyAvailable() {
        ClusterConfigParser.Result r = parse(with("controlPlaneNodes", "[\"cp1=192.168.56.10\"]"));
        assertEquals(List.of(), r.errors());
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).startsWith("controlPlaneNodes: one control-plane node is not highly available"), r.warnings().get(0));
    }

    @Test
    void vrrpv2PasswordOfEightCharactersIsAccepted() {
        ClusterConfigParser.Result r = parse(with("keepalivedVrrpVersion", "2", "keepalivedAdvertIntervalMs", "1000",
                "keepalivedAuthPassword", "12345678"));
        assertEquals(List.of(), r.errors());
        assertEquals("12345678", r.orThrow().keepalived().authPassword().orElseThrow());
    }

    @Test
    void patchVersionsAreKeptAndSelectTheKubeadmApi() {
        ClusterConfig c = parse(with("kubernetesVersion", "1.30.5")).orThrow();
        assertEquals("1.30.5", c.kubernetesVersion().toString());
        assertEquals("1.30", c.kubernetesVersion().minorVersion());
        assertEquals("kubeadm.k8s.io/v1beta3", c.kubernetesVersion().kubeadmApiVersion());
        assertEquals("kubeadm.k8s.io/v1beta4", parse(valid()).orThrow().kubernetesVersion().kubeadmApiVersion());
    }

    @Test
    void everyKeyThatHasNoDefaultIsRequiredOrOptionalOnPurpose() {
        // Keys without a default in Pulumi.yaml: the node lists and the VIP are required; secrets are optional.
        List<String> noDefault = ProjectSchema.get().keys().values().stream()
                .filter(k -> k.defaultValue().isEmpty()).map(ProjectSchema.Key::name).sorted().toList();
        assertEquals(List.of("controlPlaneNodes", "keepalivedAuthPassword", "loadBalancers", "sshPrivateKey", "vip"), noDefault);
        for (ProjectSchema.Key k : ProjectSchema.get().keys().values()) {
            assertFalse(k.description().isBlank(), k.name() + " has no description in Pulumi.yaml");
            assertTrue(List.of("string", "integer", "boolean", "array").contains(k.type()), k.name() + " type " + k.type());
        }
    }

    @Test
    void theWorkerUpgradeBatchIsACountOrAPercentageOfTheWorkersAtLeastOne() {
        UpgradeBatch byDefault = parse(valid()).orThrow().upgradeWorkerBatch();
        assertEquals("10%", byDefault.toString());
        assertEquals(List.of(1, 1, 10, 50), List.of(byDefault.size(2), byDefault.size(19), byDefault.size(100), byDefault.size(500)));
        assertEquals(3, parse(with("upgradeWorkerBatch", "3")).orThrow().upgradeWorkerBatch().size(100));
        assertEquals(2, parse(with("upgradeWorkerBatch", "3")).orThrow().upgradeWorkerBatch().size(2), "at most every worker");
        assertEquals(100, parse(with("upgradeWorkerBatch", "100%")).orThrow().upgradeWorkerBatch().size(100));
        for (String bad : List.of("0", "0%", "101%", "ten", "-2", "5.5")) {
            ClusterConfigParser.Result r = parse(with("upgradeWorkerBatch", bad));
            assertTrue(r.errors().stream().anyMatch(e -> e.path().equals("kubeha:upgradeWorkerBatch") && e.message().contains("'" + bad + "'")),
                    bad + ": " + r.errors());
        }
    }

    @Test
    void kubernetesPackagesComeFromPkgsK8sIoUnlessTheStackNamesAMirror() {
        KubernetesPackages defaults = parse(valid()).orThrow().kubernetesPackages();
        assertEquals("https://pkgs.k8s.io/core:/stable:/v1.31/deb/", defaults.scriptParameters(version("1.31")).get("KUBERNETES_DEB_REPOSITORY"));
        assertEquals("https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key", defaults.scriptParameters(version("1.31.4")).get("KUBERNETES_DEB_KEY"));
        assertEquals("https://pkgs.k8s.io/core:/stable:/v1.32/rpm/repodata/repomd.xml.key",
                defaults.scriptParameters(version("1.32")).get("KUBERNETES_RPM_KEY"));

        KubernetesPackages mirror = parse(with("kubernetesDebRepository", "http://10.0.0.9/k8s/v{minor}/",
                "kubernetesDebKey", "file:///srv/keys/k8s.asc")).orThrow().kubernetesPackages();
        assertEquals("http://10.0.0.9/k8s/v1.33/", mirror.scriptParameters(version("1.33")).get("KUBERNETES_DEB_REPOSITORY"));
        assertEquals("file:///srv/keys/k8s.asc", mirror.scriptParameters(version("1.33")).get("KUBERNETES_DEB_KEY"));
    }

    @Test
    void containerdComesFromDockersRepositoryUnlessTheStackSaysOtherwise() {
        Map<String, String> defaults = parse(valid()).orThrow().kubernetesPackages().scriptParameters(version("1.36"));
        assertEquals("docker", defaults.get("CONTAINERD_SOURCE"));
        assertEquals("https://download.docker.com/linux", defaults.get("CONTAINERD_REPOSITORY"));
        assertEquals("2", defaults.get("CONTAINERD_MINIMUM_MAJOR"), "Kubernetes 1.36 needs containerd 2");
        assertEquals("1", parse(valid()).orThrow().kubernetesPackages().scriptParameters(version("1.35")).get("CONTAINERD_MINIMUM_MAJOR"),
                "1.35 is the last minor that runs on containerd 1.x");

        Map<String, String> mirror = parse(with("containerdSource", "distribution", "containerdRepository", "http://10.0.0.9/docker-ce/linux/"))
                .orThrow().kubernetesPackages().scriptParameters(version("1.36"));
        assertEquals("distribution", mirror.get("CONTAINERD_SOURCE"));
        assertEquals("http://10.0.0.9/docker-ce/linux", mirror.get("CONTAINERD_REPOSITORY"), "one form, without the trailing slash");
    }

    @Test
    void anEndOfLifeMinorIsAcceptedWithAWarningThatNamesTheDateAndAMinorOutsideTheTableIsRefused() {
        ClusterConfigParser.Result old = parse(with("kubernetesVersion", "1.31"));
        assertEquals(List.of(), old.errors());
        assertTrue(old.warnings().stream().anyMatch(w -> w.startsWith("kubernetesVersion: Kubernetes 1.31 reached its upstream end of life on "
                + "2025-11-11")), old.warnings().toString());

        ClusterConfigParser.Result later = ClusterConfigParser.parse(RawConfig.of(with("kubernetesVersion", "1.36.2")), Path.of(""),
                java.time.LocalDate.of(2027, 6, 28));
        assertTrue(later.warnings().stream().anyMatch(w -> w.contains("1.36 reached its upstream end of life on 2027-06-28")
                && w.contains("supported minors today: 1.37")), later.warnings().toString());
    }

    private static KubernetesVersion version(String text) {
        return KubernetesVersion.parse(text).orElseThrow();
    }

    @Test
    void aKubernetesPackageUrlThatIsNoUrlOrHasAnotherPlaceholderIsAnErrorNamingTheKey() {
        ClusterConfigParser.Result r = parse(with("kubernetesDebRepository", "pkgs.example.com/deb",
                "kubernetesRpmKey", "https://mirror.example.com/{version}/key", "kubernetesDebKey", "https://x.example/a key"));
        assertEquals(List.of("kubeha:kubernetesDebKey", "kubeha:kubernetesDebRepository", "kubeha:kubernetesRpmKey"),
                r.errors().stream().map(ConfigError::path).sorted().toList());
        assertTrue(r.errors().stream().anyMatch(e -> e.message().contains("{version}") && e.message().contains("{minor}")), r.errors().toString());
    }
}
