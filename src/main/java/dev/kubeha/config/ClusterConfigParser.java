package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Turns the raw stack config into a {@link ClusterConfig}, applying Pulumi.yaml's defaults and collecting
 * <b>every</b> problem with its path before anything is created.
 */
public final class ClusterConfigParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RFC1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern PACKAGE_URL = Pattern.compile("(https?://[^/\\s'\"\\[\\]]+|file://)/?[^\\s'\"\\[\\]]*");
    private static final Pattern CHART_VERSION = Pattern.compile("v?\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?");
    /** VirtualBox (6.1.28 and later) allows host-only addresses only here unless /etc/vbox/networks.conf says more. */
    private static final Cidr VIRTUALBOX_HOST_ONLY = Cidr.parse("192.168.56.0/21").orElseThrow();

    /**
     * The outcome: a config when there are no errors, and the warnings either way. {@code unchecked} says what could
     * not be checked offline: a value encrypted in the stack file, config from an ESC environment (the engine has both).
     */
    public record Result(Optional<ClusterConfig> config, List<ConfigError> errors, List<String> warnings,
                         List<String> unchecked) {
        public ClusterConfig orThrow() {
            return config.orElseThrow(() -> new ConfigException(errors));
        }
    }

    private final RawConfig raw;
    private final ProjectSchema schema;
    private final Path projectDir;
    /** The day end-of-life warnings are measured against (UTC). */
    private final LocalDate today;
    private final List<ConfigError> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> unchecked = new ArrayList<>();

    private ClusterConfigParser(RawConfig raw, ProjectSchema schema, Path projectDir, LocalDate today) {
        this.raw = raw;
        this.schema = schema;
        this.projectDir = projectDir;
        this.today = today;
    }

    /** Checks the config of a program run from the current directory (the engine runs it in the project's). */
    public static Result parse(RawConfig raw) {
        return parse(raw, Path.of(""));
    }

    /** @param projectDir where relative paths in the config (sshPrivateKeyPath) are taken from */
    public static Result parse(RawConfig raw, Path projectDir) {
        return parse(raw, projectDir, LocalDate.now(ZoneOffset.UTC));
    }

    /** As {@link #parse(RawConfig, Path)}, with Kubernetes end of life measured against {@code today}. */
    static Result parse(RawConfig raw, Path projectDir, LocalDate today) {
        return new ClusterConfigParser(raw, ProjectSchema.get(), projectDir, today).run();
    }

    /** Parses and throws a {@link ConfigException} listing every error. */
    public static ClusterConfig parseOrThrow(RawConfig raw) {
        return parse(raw).orThrow();
    }

    private Result run() {
        errors.addAll(raw.problems());
        unchecked.addAll(raw.unseen());
        for (String key : raw.keys()) {
            Optional<ProjectSchema.Key> declared = schema.key(key);
            if (declared.isEmpty()) {
                error(key, "unknown key; the keys are declared in Pulumi.yaml" + suggestion(key));
            } else if (declared.get().secret() && !raw.isSecret(key) && !raw.get(key).orElse("").isEmpty()) {
                error(key, "is set in plain text; it is a secret: pulumi config set --secret " + key + " ...");
            } else if (!schema.mayBeSecret(key) && raw.isSecret(key)) {
                error(key, "is set as a secret, but kubeha does not keep it secret (it would show in plain text in the"
                        + " state, the logs and on the machines); set it without --secret");
            }
        }
        String clusterName = string("clusterName");
        checkLabel("clusterName", clusterName);
        Provisioner provisioner = choice("provisioner", Provisioner.class, Provisioner.VAGRANT);
        CniPlugin cni = choice("cni", CniPlugin.class, CniPlugin.FLANNEL);

        List<Node> loadBalancers = nodes("loadBalancers", Role.LOAD_BALANCER);
        List<Node> controlPlane = nodes("controlPlaneNodes", Role.CONTROL_PLANE);
        List<Node> workers = nodes("workers", Role.WORKER);
        List<Node> etcdNodes = nodes("etcdNodes", Role.ETCD);
        boolean allowEven = bool("allowEvenControlPlane");
        checkCounts(loadBalancers, controlPlane, allowEven);
        checkEtcdNodes();

        String vip = string("vip");
        int prefix = integer("vipPrefixLength", 8, 30);
        int apiPort = integer("apiPort", 1, 65535);
        List<Node> all = new ArrayList<>(loadBalancers);
        all.addAll(controlPlane);
        all.addAll(workers);
        all.addAll(etcdNodes);
        checkUnique(all);
        Optional<Cidr> nodeNetwork = checkVip(vip, prefix, all);

        String version = string("kubernetesVersion");
        KubernetesVersion kubernetesVersion = KubernetesVersion.parse(version).orElse(null);
        if (kubernetesVersion == null) {
            error("kubernetesVersion", "'" + version + "' is not a Kubernetes version; write a minor such as 1.36 or a patch such as 1.36.2");
        } else if (!kubernetesVersion.isSupported()) {
            error("kubernetesVersion", "'" + version + "' is not supported; kubeha supports 1." + KubernetesVersion.OLDEST_MINOR
                    + " to 1." + KubernetesVersion.NEWEST_MINOR + "; supported by upstream today: " + KubernetesVersion.supportedOn(today)
                    + (version.matches("1\\.[1-9]") ? " (YAML reads an unquoted " + version + "0 as the number " + version
                    + ": quote it, \"" + version + "0\")" : ""));
        } else {
            kubernetesVersion.endOfLifeWarning(today).ifPresent(warnings::add);
        }
        String podSubnet = string("podSubnet");
        String serviceSubnet = string("serviceSubnet");
        checkSubnets(podSubnet, serviceSubnet, nodeNetwork, controlPlane.size() + workers.size());

        String flannelChart = string("flannelChartVersion");
        String calicoChart = string("calicoChartVersion");
        checkChartVersion("flannelChartVersion", flannelChart);
        checkChartVersion("calicoChartVersion", calicoChart);
        String probeImage = string("readinessProbeImage");
        if (!IMAGE.matcher(probeImage).matches()) {
            error("readinessProbeImage", "'" + probeImage + "' is not an image reference such as docker.io/library/busybox:1.36.1");
        }

        SshSettings ssh = ssh(provisioner);
        VagrantSettings vagrant = vagrant(provisioner, all);
        HaproxySettings haproxy = haproxy(apiPort);
        KeepalivedSettings keepalived = keepalived();
        boolean firewall = bool("firewall");
        boolean allowClusterDestroy = bool("allowClusterDestroy");
        Optional<String> apiProxy = kubernetesApiProxy(provisioner, ssh, vip, apiPort);
        KubernetesPackages kubernetesPackages = kubernetesPackages();
        // kubeadm issues certificates for 365 days: a threshold of a year or more would renew on every check.
        int certificateRenewalDays = integer("certificateRenewalDays", 0, 300);
        String batch = string("upgradeWorkerBatch");
        UpgradeBatch upgradeWorkerBatch = UpgradeBatch.parse(batch).orElse(null);
        if (upgradeWorkerBatch == null && !batch.isEmpty()) {
            error("upgradeWorkerBatch", "'" + batch + "' is not a batch size; write a count of at least 1 (5) or a percentage"
                    + " of the workers from 1% to 100% (10%)");
        }
        EtcdBackupSettings etcdBackups = etcdBackups();
        String initNode = controlPlaneInitNode(all, controlPlane);
        String etcdCaNode = etcdCaNode(all, etcdNodes);

        if (!errors.isEmpty()) {
            return new Result(Optional.empty(), List.copyOf(errors), List.copyOf(warnings), List.copyOf(unchecked));
        }
        ClusterConfig config = new ClusterConfig(clusterName, provisioner, loadBalancers, controlPlane, workers, vip,
                prefix, apiPort, kubernetesVersion, podSubnet, serviceSubnet, cni, flannelChart, calicoChart, probeImage,
                firewall, ssh, vagrant, haproxy, keepalived, warnings, allowClusterDestroy, apiProxy, kubernetesPackages,
                certificateRenewalDays,
                upgradeWorkerBatch,
                etcdBackups,
                etcdNodes,
                initNode,
                etcdCaNode);
        return new Result(Optional.of(config), List.of(), List.copyOf(warnings), List.copyOf(unchecked));
    }

    // ---- etcd backups --------------------------------------------------------------------------------------------

    private EtcdBackupSettings etcdBackups() {
        String schedule = string("etcdBackupSchedule");
        if (!schedule.isEmpty() && !EtcdBackupSettings.CALENDAR.matcher(schedule).matches()) {
            error("etcdBackupSchedule", "'" + schedule + "' is not a systemd calendar expression (OnCalendar) such as"
                    + " daily, hourly, '*-*-* 00,12:00:00' or 'Mon..Fri 02:30' (man systemd.time)");
        }
        int retention = integer("etcdBackupRetention", 1, 1000);
        String directory = absolutePath("etcdBackupDirectory", string("etcdBackupDirectory"));
        if (directory.equals("/var/lib/etcd") || directory.startsWith("/var/lib/etcd/")) {
            error("etcdBackupDirectory", "'" + directory + "' is etcd's own data directory, which a restore replaces;"
                    + " choose another, such as /var/lib/kubeha/etcd-backups");
        }
        Optional<String> restoreFrom = optional("etcdRestoreFrom").map(p -> absolutePath("etcdRestoreFrom", p));
        return new EtcdBackupSettings(schedule, retention, directory, restoreFrom);
    }

    private String absolutePath(String key, String path) {
        if (!path.isEmpty() && !EtcdBackupSettings.ABSOLUTE_PATH.matcher(path).matches()) {
            error(key, "'" + path + "' is not an absolute path of letters, digits and . _ + - (such as"
                    + " /var/lib/kubeha/etcd-backups)");
        }
        return path;
    }

    // ---- Kubernetes packages ---------------------------------------------------------------------------------

    private KubernetesPackages kubernetesPackages() {
        return new KubernetesPackages(packageUrl("kubernetesDebRepository"), packageUrl("kubernetesDebKey"),
                packageUrl("kubernetesRpmRepository"), packageUrl("kubernetesRpmKey"),
                choice("containerdSource", ContainerdSource.class, ContainerdSource.DOCKER), containerdRepository());
    }

    /** The base URL of Docker's repository layout (no {minor}: containerd does not follow Kubernetes minors). */
    private String containerdRepository() {
        String url = packageUrl("containerdRepository");
        if (url.contains(KubernetesPackages.MINOR)) {
            error("containerdRepository", "'" + url + "' has " + KubernetesPackages.MINOR + ", but Docker's repository is"
                    + " one for every Kubernetes minor (for example https://download.docker.com/linux)");
        }
        return url;
    }

    /** An http(s) or file URL, with {minor} the only placeholder; it goes into apt/dnf sources and curl. */
    private String packageUrl(String key) {
        String url = string(key);
        if (url.isEmpty()) {
            return url;
        }
        String rest = url.replace(KubernetesPackages.MINOR, "1.31");
        if (!PACKAGE_URL.matcher(url).matches()) {
            error(key, "'" + url + "' is not an http://, https:// or file:// URL (for example https://pkgs.k8s.io/core:/stable:/v"
                    + KubernetesPackages.MINOR + "/deb/)");
        } else if (rest.contains("{") || rest.contains("}")) {
            error(key, "'" + url + "' has a placeholder other than " + KubernetesPackages.MINOR + " (the Kubernetes minor, e.g. 1.31)");
        }
        return url;
    }

    // ---- topology ------------------------------------------------------------------------------------------

    private List<Node> nodes(String key, Role role) {
        List<String> entries = list(key);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String path = key + "[" + i + "]";
            String entry = entries.get(i);
            int eq = entry.indexOf('=');
            if (eq < 0) {
                error(path, "'" + entry + "' is not NAME=ADDRESS (for example k8s-node1=192.168.56.20)");
                continue;
            }
            String name = entry.substring(0, eq).trim();
            String address = entry.substring(eq + 1).trim();
            boolean ok = checkLabel(path + ".name", name);
            if (!Ipv4.isValid(address)) {
                error(path + ".address", "'" + address + "' is not an IPv4 address (four numbers 0-255, such as 192.168.56.20)");
                ok = false;
            }
            if (ok) {
                nodes.add(new Node(name, address, role));
            }
        }
        return nodes;
    }

    /**
     * controlPlaneInitNode: empty (the first control-plane node runs kubeadm init), a control-plane node of the list,
     * or a node name no longer in the stack (the node that ran init has been removed: every listed node joins).
     */
    private String controlPlaneInitNode(List<Node> all, List<Node> controlPlane) {
        String name = optional("controlPlaneInitNode").orElse("");
        if (name.isEmpty() || !checkLabel("controlPlaneInitNode", name)) {
            return name;
        }
        all.stream().filter(n -> n.name().equals(name) && n.role() != Role.CONTROL_PLANE).findFirst().ifPresent(n ->
                error("controlPlaneInitNode", "'" + name + "' is a " + n.role().label() + "; name the control-plane node"
                        + " that ran kubeadm init (one of controlPlaneNodes, or one that has been removed from it)"));
        return name;
    }

    /**
     * etcdCaNode: empty (the first etcd node makes the etcd CA), an etcd node of the list, or a node name no longer in
     * the stack (the node that made the CA has been removed: its record in the state keeps the CA). Only with etcdNodes.
     */
    private String etcdCaNode(List<Node> all, List<Node> etcdNodes) {
        String name = optional("etcdCaNode").orElse("");
        if (name.isEmpty() || !checkLabel("etcdCaNode", name)) {
            return name;
        }
        if (etcdNodes.isEmpty()) {
            error("etcdCaNode", "is set but etcdNodes is empty; etcdCaNode names the etcd node that made the etcd CA of an"
                    + " external etcd: leave it empty with stacked etcd");
        }
        all.stream().filter(n -> n.name().equals(name) && n.role() != Role.ETCD).findFirst().ifPresent(n ->
                error("etcdCaNode", "'" + name + "' is a " + n.role().label() + "; name the etcd node that made the etcd CA"
                        + " (one of etcdNodes, or one that has been removed from it)"));
        if (!etcdNodes.isEmpty() && all.stream().noneMatch(n -> n.name().equals(name))) {
            warnings.add("etcdCaNode: " + name + " is not in etcdNodes: the stack's state must hold its etcd CA (<node>-etcd-ca,"
                    + " kept after it left); on a new stack, or after pulumi destroy, leave etcdCaNode empty");
        }
        return name;
    }

    private void checkCounts(List<Node> loadBalancers, List<Node> controlPlane, boolean allowEven) {
        int lbCount = list("loadBalancers").size();
        if (lbCount < 2 || lbCount > ClusterConfig.MAX_LOAD_BALANCERS) {
            error("loadBalancers", "has " + lbCount + " entries; give 2 to " + ClusterConfig.MAX_LOAD_BALANCERS
                    + " load balancers (the VIP needs a second one to move to; VRRP priorities fall from "
                    + "the first in list order)");
        }
        int cpCount = list("controlPlaneNodes").size();
        if (cpCount == 0) {
            error("controlPlaneNodes", "is empty; give 1, 3 or 5 control-plane nodes");
        } else if (cpCount == 1) {
            warnings.add("controlPlaneNodes: one control-plane node is not highly available: when it is down, so are the "
                    + "API and etcd, whatever the load balancers do; use 3 (or 5) for HA");
        } else if (cpCount % 2 == 0) {
            if (allowEven) {
                warnings.add("controlPlaneNodes: " + cpCount + " control-plane nodes: etcd quorum is " + (cpCount / 2 + 1)
                        + ", so the cluster tolerates " + (cpCount / 2 - 1) + " failure(s), no more than with " + (cpCount - 1)
                        + " nodes");
            } else {
                error("controlPlaneNodes", "has " + cpCount + " nodes; etcd needs an odd count (1, 3, 5) to gain from each node,"
                        + " or set allowEvenControlPlane: true to accept it");
            }
        }
    }

    /**
     * etcdNodes: empty (etcd stacked on the control-plane nodes), or 3 or 5 dedicated etcd nodes. An etcd cluster of
     * n members needs n/2+1 of them for quorum, so an even count tolerates no more failures than one member fewer
     * (etcd-io/website content/en/docs/v3.5/faq.md, "What is failure tolerance?"), and a single member none.
     */
    private void checkEtcdNodes() {
        int count = list("etcdNodes").size();
        if (count != 0 && count != 3 && count != 5) {
            error("etcdNodes", "has " + count + " entries; give 3 or 5 dedicated etcd nodes (an odd count: etcd keeps quorum"
                    + " with " + (count / 2 + 1) + " of " + count + " members, so an even count tolerates no more failures"
                    + " than one fewer), or none for etcd stacked on the control-plane nodes");
        }
    }

    private void checkUnique(List<Node> all) {
        Map<String, String> names = new HashMap<>();
        Map<String, String> addresses = new HashMap<>();
        for (Node n : all) {
            String path = pathOf(n, all);
            String firstName = names.putIfAbsent(n.name(), path);
            if (firstName != null) {
                error(path + ".name", "'" + n.name() + "' is used twice (also " + firstName + "); names must be unique");
            }
            String firstAddress = addresses.putIfAbsent(n.address(), path);
            if (firstAddress != null) {
                error(path + ".address", n.address() + " is used twice (also " + firstAddress + "); addresses must be unique");
            }
        }
    }

    private Optional<Cidr> checkVip(String vip, int prefix, List<Node> all) {
        Optional<Long> vipAddress = Ipv4.parse(vip);
        if (vipAddress.isEmpty()) {
            error("vip", "'" + vip + "' is not an IPv4 address (for example 192.168.56.100)");
            return Optional.empty();
        }
        Cidr network = Cidr.of(vipAddress.get(), prefix);
        if (vipAddress.get() == network.network() || vipAddress.get() == network.broadcast()) {
            error("vip", vip + " is the network or broadcast address of " + network + "; pick a free host address");
        }
        for (Node n : all) {
            String path = pathOf(n, all);
            long address = Ipv4.parse(n.address()).orElseThrow();
            if (n.address().equals(vip)) {
                error("vip", vip + " is also the address of " + n.name() + " (" + path + "); the VIP must be a free address");
            } else if (!network.contains(address)) {
                error(path + ".address", n.address() + " is outside the VIP's network " + network
                        + "; Keepalived and the nodes must share one subnet (or change vipPrefixLength)");
            } else if (address == network.network() || address == network.broadcast()) {
                error(path + ".address", n.address() + " is the network or broadcast address of " + network);
            }
        }
        return Optional.of(network);
    }

    /** @param kubernetesNodes control-plane nodes and workers: each takes one node range from the pod subnet */
    private void checkSubnets(String pod, String service, Optional<Cidr> nodeNetwork, int kubernetesNodes) {
        Optional<Cidr> podCidr = cidr("podSubnet", pod);
        Optional<Cidr> serviceCidr = cidr("serviceSubnet", service);
        if (nodeNetwork.isPresent()) {
            podCidr.filter(c -> c.overlaps(nodeNetwork.get())).ifPresent(c -> error("podSubnet",
                    c + " overlaps the node network " + nodeNetwork.get() + "; pick a range outside it, such as 10.244.0.0/16"));
            serviceCidr.filter(c -> c.overlaps(nodeNetwork.get())).ifPresent(c -> error("serviceSubnet",
                    c + " overlaps the node network " + nodeNetwork.get() + "; pick a range outside it, such as 10.96.0.0/12"));
        }
        if (podCidr.isPresent() && serviceCidr.isPresent() && podCidr.get().overlaps(serviceCidr.get())) {
            error("serviceSubnet", serviceCidr.get() + " overlaps podSubnet " + podCidr.get() + "; the two ranges must be disjoint");
        }
        podCidr.filter(c -> c.prefix() > NODE_CIDR_PREFIX).ifPresent(c -> error("podSubnet",
                c + " is too small: every node takes a /24 from it; use a /16 to /24"));
        podCidr.filter(c -> c.prefix() <= NODE_CIDR_PREFIX && (1L << (NODE_CIDR_PREFIX - c.prefix())) < kubernetesNodes)
                .ifPresent(c -> error("podSubnet", c + " holds " + (1L << (NODE_CIDR_PREFIX - c.prefix())) + " node range(s) of /"
                        + NODE_CIDR_PREFIX + " (kube-controller-manager gives every node one), but the stack has "
                        + kubernetesNodes + " Kubernetes nodes; use a /" + largestPrefixFor(kubernetesNodes) + " or larger"));
        serviceCidr.filter(c -> c.prefix() < 12).ifPresent(c -> error("serviceSubnet",
                c + " is too large; the API server accepts at most a /12 for IPv4 services"));
    }

    /**
     * The node range kube-controller-manager gives each node from the pod subnet (kubeadm runs it with
     * --allocate-node-cidrs and the podSubnet as --cluster-cidr and leaves --node-cidr-mask-size at its default,
     * "24 for IPv4": kubernetes/kubernetes cmd/kube-controller-manager/app/options/nodeipamcontroller.go).
     */
    static final int NODE_CIDR_PREFIX = 24;

    /** The longest pod subnet prefix that still holds {@code nodes} /24 node ranges. */
    private static int largestPrefixFor(int nodes) {
        int bits = 0;
        while ((1L << bits) < nodes) {
            bits++;
        }
        return NODE_CIDR_PREFIX - bits;
    }

    private Optional<Cidr> cidr(String key, String value) {
        Optional<Cidr> cidr = Cidr.parse(value);
        if (cidr.isEmpty()) {
            error(key, "'" + value + "' is not an IPv4 network in CIDR form with its network address (such as 10.244.0.0/16)");
        }
        return cidr;
    }

    /**
     * An image reference: [registry[:port]/]path[:tag][@sha256:digest], lower-case path components (the grammar of
     * distribution/reference's reference.go, simplified).
     */
    private static final Pattern IMAGE = Pattern.compile("([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*"
            + "(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?");

    private void checkChartVersion(String key, String value) {
        if (!CHART_VERSION.matcher(value).matches()) {
            error(key, "'" + value + "' is not a chart version such as v0.28.0");
        }
    }

    // ---- machines and access -------------------------------------------------------------------------------

    private SshSettings ssh(Provisioner provisioner) {
        String user = string("sshUser");
        if (!user.matches("[a-z_][a-z0-9_-]{0,31}")) {
            error("sshUser", "'" + user + "' is not a Unix user name");
        }
        int port = integer("sshPort", 1, 65535);
        Optional<String> keyPath = optional("sshPrivateKeyPath");
        Optional<String> key = raw.get("sshPrivateKey").filter(v -> !v.isBlank() || raw.isUnknown("sshPrivateKey"));
        if (raw.isUnknown("sshPrivateKey")) {
            unchecked.add("kubeha:sshPrivateKey: encrypted in the stack file, so its content is not seen here (an empty one"
                    + " counts as unset under pulumi up)");
        }
        Optional<String> agent = optional("sshAgentSocket");
        Optional<String> bastionHost = optional("bastionHost");
        int bastionPort = integer("bastionPort", 1, 65535);
        String bastionUser = optional("bastionUser").orElse(user);
        if (provisioner == Provisioner.EXISTING && keyPath.isEmpty() && key.isEmpty() && agent.isEmpty()) {
            error("sshPrivateKeyPath", "the existing provisioner needs a way to log in: set sshPrivateKeyPath, sshPrivateKey"
                    + " (pulumi config set --secret sshPrivateKey < KEYFILE) or sshAgentSocket");
        }
        if (keyPath.isPresent() && key.isPresent()) {
            error("sshPrivateKeyPath", "set either sshPrivateKeyPath or sshPrivateKey, not both");
        }
        bastionHost.filter(h -> !h.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"))
                .ifPresent(h -> error("bastionHost", "'" + h + "' is not a host name or IPv4 address"));
        if (provisioner == Provisioner.VAGRANT && bastionHost.isPresent()) {
            warnings.add("bastionHost: ignored with the vagrant provisioner (Vagrant says how to reach its VMs)");
        }
        int dialErrorLimit = integer("sshDialErrorLimit", -1, 10_000);
        if (dialErrorLimit == 0) {
            error("sshDialErrorLimit", "0 would never dial; use -1 (unlimited) or a positive count");
        }
        int perDial = integer("sshPerDialTimeout", 0, 3600);
        if (provisioner == Provisioner.EXISTING && keyPath.isPresent() && key.isEmpty()) {
            SshKeyFile.Read read = SshKeyFile.read(projectDir, keyPath.get());
            if (read.problem() != null) {
                error("sshPrivateKeyPath", read.problem());
            }
            key = Optional.ofNullable(read.key());
        }
        return new SshSettings(user, port, keyPath, key, agent,
                bastionHost.map(h -> new SshSettings.Bastion(h, bastionPort, bastionUser)), dialErrorLimit, perDial);
    }

    /** A proxy URL as client-go's kubeconfig proxy-url takes it: http, https or socks5, a host and a port. */
    private static final Pattern PROXY_URL = Pattern.compile("(socks5|http|https)://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?");

    /**
     * How the Kubernetes provider on this machine reaches the API. Only SSH goes through a bastion; the provider
     * dials the VIP itself, which a bastion normally means it cannot, so a stack with a bastion says how.
     */
    private Optional<String> kubernetesApiProxy(Provisioner provisioner, SshSettings ssh, String vip, int apiPort) {
        Optional<String> value = optional("kubernetesApiProxy");
        if (value.isPresent() && value.get().equals("direct")) {
            return Optional.empty();
        }
        if (value.isPresent()) {
            if (!PROXY_URL.matcher(value.get()).matches()) {
                error("kubernetesApiProxy", "'" + value.get() + "' is not a proxy URL such as socks5://127.0.0.1:1080 (schemes"
                        + " socks5, http, https), nor direct");
            }
            return value;
        }
        if (provisioner == Provisioner.EXISTING && ssh.bastion().isPresent()) {
            SshSettings.Bastion b = ssh.bastion().get();
            error("kubernetesApiProxy", "is required with bastionHost: only SSH goes through the bastion, while the CNI is"
                    + " installed by Pulumi's Kubernetes provider on this machine, straight to https://" + vip + ":" + apiPort
                    + ", which a bastion usually means this machine cannot reach. Open a SOCKS tunnel through the bastion"
                    + " (ssh -N -D 1080 -p " + b.port() + " " + b.user() + "@" + b.host() + ") and set kubeha:kubernetesApiProxy"
                    + " socks5://127.0.0.1:1080, or set it to direct if this machine reaches the VIP");
        }
        return Optional.empty();
    }

    private VagrantSettings vagrant(Provisioner provisioner, List<Node> all) {
        String box = string("vagrantBox");
        if (!box.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?")) {
            error("vagrantBox", "'" + box + "' is not a box name such as bento/ubuntu-24.04");
        }
        String provider = string("vagrantProvider");
        if (!provider.equals("virtualbox") && !provider.equals("libvirt")) {
            error("vagrantProvider", "'" + provider + "' is not supported; use virtualbox or libvirt");
        }
        VagrantSettings.Size lb = size("vagrantLoadBalancer", 1, 512);
        VagrantSettings.Size cp = size("vagrantControlPlane", 2, 1700);
        VagrantSettings.Size worker = size("vagrantWorker", 1, 1024);
        if (provisioner == Provisioner.VAGRANT && provider.equals("virtualbox")) {
            for (Node n : all) {
                if (!VIRTUALBOX_HOST_ONLY.contains(Ipv4.parse(n.address()).orElseThrow())) {
                    warnings.add(n.name() + ": " + n.address() + " is outside 192.168.56.0/21, which VirtualBox allows for"
                            + " host-only networks unless /etc/vbox/networks.conf lists more");
                    break;
                }
            }
        }
        return new VagrantSettings(box, optional("vagrantBoxUrl"), optional("vagrantBoxVersion"), provider, lb, cp, worker);
    }

    private VagrantSettings.Size size(String prefix, int minCpus, int minMemory) {
        int cpus = integer(prefix + "Cpus", minCpus, 64);
        int memory = integer(prefix + "Memory", minMemory, 1 << 20);
        return new VagrantSettings.Size(cpus, memory);
    }

    // ---- load balancers ------------------------------------------------------------------------------------

    /** The longest the load balancers may take to notice a stopping API server (see KubeadmConfigs). */
    private static final int MAX_DETECTION_MS = 20_000;

    private HaproxySettings haproxy(int apiPort) {
        int statsPort = integer("haproxyStatsPort", 1, 65535);
        if (statsPort == apiPort) {
            error("haproxyStatsPort", statsPort + " is also apiPort; the stats frontend needs its own port");
        }
        String user = string("haproxyStatsUser");
        if (!user.matches("[A-Za-z0-9_.-]{1,32}")) {
            error("haproxyStatsUser", "'" + user + "' must be 1-32 letters, digits, '.', '_' or '-'");
        }
        int interval = integer("haproxyCheckIntervalMs", 100, 60_000);
        int fall = integer("haproxyCheckFall", 1, 100);
        if ((long) interval * (fall + 1) > MAX_DETECTION_MS) {
            error("haproxyCheckIntervalMs", interval + " ms x (haproxyCheckFall " + fall + " + 1) is longer than "
                    + MAX_DETECTION_MS / 1000 + " s: a stopping API server keeps serving that long (its shutdown delay)"
                    + " so the load balancers take it out first, and must stop within the kubelet's 30 s grace period");
        }
        return new HaproxySettings(statsPort, user,
                interval,
                fall,
                integer("haproxyCheckRise", 1, 100),
                integer("haproxyConnectTimeoutMs", 100, 60_000),
                integer("haproxyRetries", 0, 10));
    }

    private KeepalivedSettings keepalived() {
        int routerId = integer("keepalivedRouterId", 1, 255);
        int version = integer("keepalivedVrrpVersion", 2, 3);
        int advert = integer("keepalivedAdvertIntervalMs", 10, 255_000);
        if (version == 2 && advert % 1000 != 0) {
            error("keepalivedAdvertIntervalMs", advert + " ms: VRRPv2 adverts are whole seconds (1000, 2000, ...);"
                    + " use keepalivedVrrpVersion 3 for sub-second adverts");
        }
        if (version == 3 && (advert % 10 != 0 || advert > 40_950)) {
            error("keepalivedAdvertIntervalMs", advert + " ms: VRRPv3 adverts are 10 to 40950 ms in steps of 10");
        }
        Preemption preempt = choice("keepalivedPreempt", Preemption.class, Preemption.DELAY);
        int delay = integer("keepalivedPreemptDelay", 0, 1000);
        Optional<String> password = raw.get("keepalivedAuthPassword").filter(p -> !p.isEmpty());
        boolean passwordKnown = !raw.isUnknown("keepalivedAuthPassword");
        if (version == 2 && !passwordKnown) {
            unchecked.add("kubeha:keepalivedAuthPassword: encrypted in the stack file, so its length (at most 8) and characters"
                    + " (printable ASCII, no spaces) are checked by pulumi preview and up, not here");
        }
        if (version == 2 && password.isPresent() && passwordKnown) {
            String p = password.get();
            if (p.length() > 8) {
                error("keepalivedAuthPassword", "is " + p.length() + " characters; VRRPv2 auth_pass uses only the first 8,"
                        + " so give at most 8");
            } else if (!p.matches("[\\x21-\\x7e]+")) {
                error("keepalivedAuthPassword", "must be printable ASCII without spaces");
            }
        }
        if (version == 3 && (password.isPresent() || !passwordKnown)) {
            warnings.add("keepalivedAuthPassword: ignored with VRRPv3, which has no authentication (VRRP is restricted"
                    + " to unicast between the two load balancers instead)");
        }
        return new KeepalivedSettings(routerId, version, advert, preempt, delay, passwordKnown ? password : Optional.empty());
    }

    // ---- typed access to keys, defaults from Pulumi.yaml ---------------------------------------------------

    private Optional<String> value(String key) {
        Optional<String> set = raw.get(key);
        if (set.isPresent()) {
            return set;
        }
        return schema.key(key).flatMap(ProjectSchema.Key::defaultValue)
                .map(d -> d.isValueNode() ? d.asText() : d.toString());
    }

    private String string(String key) {
        Optional<String> v = value(key);
        if (v.isEmpty() || v.get().isBlank()) {
            error(key, "is required" + describe(key));
            return "";
        }
        return v.get().trim();
    }

    private Optional<String> optional(String key) {
        return value(key).map(String::trim).filter(s -> !s.isEmpty());
    }

    private int integer(String key, int min, int max) {
        Optional<String> v = value(key);
        if (v.isEmpty()) {
            error(key, "is required" + describe(key));
            return min;
        }
        try {
            int n = Integer.parseInt(v.get().trim());
            if (n < min || n > max) {
                error(key, n + " is out of range; give " + min + " to " + max);
                return Math.max(min, Math.min(max, n));
            }
            return n;
        } catch (NumberFormatException e) {
            error(key, "'" + v.get() + "' is not a whole number (" + min + " to " + max + ")");
            return min;
        }
    }

    /** Exactly "true" or "false", as the engine's type check for a boolean key (pulumi/pulumi ValidateConfigValue). */
    private boolean bool(String key) {
        String v = value(key).orElse("false").trim();
        if (!v.equals("true") && !v.equals("false")) {
            error(key, "'" + v + "' is not true or false (YAML's yes, no, on and off are strings to Pulumi)");
        }
        return v.equals("true");
    }

    private <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
        String v = string(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        if (!v.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT));
            }
            error(key, "'" + v + "' is not one of " + String.join(", ", names));
        }
        return fallback;
    }

    private List<String> list(String key) {
        Optional<String> v = value(key);
        if (v.isEmpty()) {
            error(key, "is required" + describe(key));
            return List.of();
        }
        try {
            JsonNode node = JSON.readTree(v.get());
            if (node == null || !node.isArray()) {
                error(key, "must be a list of NAME=ADDRESS strings");
                return List.of();
            }
            List<String> items = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (!item.isTextual()) {
                    error(key + "[" + i + "]", "must be a NAME=ADDRESS string, not " + item);
                } else {
                    items.add(item.asText());
                }
            }
            return items;
        } catch (Exception e) {
            error(key, "must be a list of NAME=ADDRESS strings");
            return List.of();
        }
    }

    private boolean checkLabel(String path, String name) {
        if (name.isEmpty()) {
            return false;
        }
        if (!RFC1123_LABEL.matcher(name).matches()) {
            error(path, "'" + name + "' is not an RFC 1123 label: 1-63 lower-case letters, digits or '-',"
                    + " starting and ending with a letter or digit");
            return false;
        }
        return true;
    }

    private String describe(String key) {
        return schema.key(key).map(k -> " (" + k.description() + ")").orElse("");
    }

    private String suggestion(String key) {
        String best = null;
        int bestDistance = 4;
        for (String known : schema.keys().keySet()) {
            int d = Levenshtein.distance(key.toLowerCase(Locale.ROOT), known.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = known;
            }
        }
        return best == null ? "" : "; did you mean " + best + "?";
    }

    /** {@code workers[2]}: the key of {@code n}'s list and its place there. */
    private static String pathOf(Node n, List<Node> all) {
        List<Node> sameRole = all.stream().filter(m -> m.role() == n.role()).toList();
        String key = switch (n.role()) {
            case LOAD_BALANCER -> "loadBalancers";
            case CONTROL_PLANE -> "controlPlaneNodes";
            case WORKER -> "workers";
            case ETCD -> "etcdNodes";
        };
        return key + "[" + sameRole.indexOf(n) + "]";
    }

    /** Records an error once: a key several checks read (a node list, say) is reported missing only once. */
    private void error(String path, String message) {
        ConfigError e = ConfigError.of(path, message);
        if (!errors.contains(e)) {
            errors.add(e);
        }
    }
}
