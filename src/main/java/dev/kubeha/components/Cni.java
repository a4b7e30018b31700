package dev.kubeha.components;

import com.pulumi.core.Output;
import com.pulumi.kubernetes.Provider;
import com.pulumi.kubernetes.ProviderArgs;
import com.pulumi.kubernetes.core.v1.Namespace;
import com.pulumi.kubernetes.core.v1.NamespaceArgs;
import com.pulumi.kubernetes.helm.v3.Release;
import com.pulumi.kubernetes.helm.v3.ReleaseArgs;
import com.pulumi.kubernetes.helm.v3.inputs.RepositoryOptsArgs;
import com.pulumi.kubernetes.meta.v1.inputs.ObjectMetaArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Resource;
import dev.kubeha.render.cni.CniChart;

import java.util.List;
import java.util.Map;

/**
 * The CNI, installed as a Helm release through a Kubernetes provider whose kubeconfig points at the VIP
 * endpoint (never a single node), once the first control-plane node is up.
 */
public final class Cni extends ComponentResource {
    public static final String TYPE = "kubeha:index:Cni";

    private final Provider provider;
    private final Release release;

    /**
     * @param protect the provider is protected: a change of its kubeconfig's cluster entry (server, CA, proxy-url)
     *                replaces it and every resource it manages, the pod network included (pulumi/pulumi-kubernetes
     *                v4.0.0 provider.go DiffConfig, util.go getActiveClusterFromConfig; pulumi/pulumi step_generator.go,
     *                providerChanged), so the engine refuses such a change before anything is deleted
     */
    public Cni(String name, CniChart chart, Output<String> kubeconfig, List<Resource> after, boolean protect,
               ComponentResourceOptions options) {
        super(TYPE, name, options);
        this.provider = new Provider(name + "-provider", ProviderArgs.builder()
                .kubeconfig(kubeconfig.asSecret())
                .build(), CustomResourceOptions.builder().parent(this).dependsOn(after).protect(protect).build());
        CustomResourceOptions viaProvider = CustomResourceOptions.builder()
                .parent(this).provider(provider).dependsOn(after).build();
        Namespace namespace = new Namespace(name + "-namespace", NamespaceArgs.builder()
                .metadata(ObjectMetaArgs.builder().name(chart.namespace()).labels(chart.namespaceLabels()).build())
                .build(), viaProvider);
        this.release = new Release(name + "-" + chart.releaseName(), ReleaseArgs.builder()
                .name(chart.releaseName())
                .chart(chart.chart())
                .version(chart.version())
                .repositoryOpts(RepositoryOptsArgs.builder().repo(chart.repository()).build())
                .namespace(chart.namespace())
                .values(chart.values())
                .atomic(true)
                .timeout(600)
                .build(), CustomResourceOptions.builder().parent(this).provider(provider).dependsOn(namespace).build());
        registerOutputs(Map.of("chart", Output.of(chart.chart() + " " + chart.version())));
    }

    public Provider provider() {
        return provider;
    }

    public Release release() {
        return release;
    }
}
