package dev.kubeha.render.cni;

import java.util.Map;

/**
 * Which Helm chart installs the CNI, from where, into which namespace, with which values. Pure data, built by
 * {@link CniCharts}.
 *
 * @param namespaceLabels labels of the namespace kubeha creates for the release (flannel needs the privileged
 *                        pod-security level)
 */
public record CniChart(
        String releaseName,
        String chart,
        String version,
        String repository,
        String namespace,
        Map<String, String> namespaceLabels,
        Map<String, Object> values) {
}
