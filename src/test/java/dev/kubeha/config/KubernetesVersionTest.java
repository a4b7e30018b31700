package dev.kubeha.config;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table of Kubernetes minors kubeha accepts, their end of life, and what follows from a minor. */
class KubernetesVersionTest {

    private static KubernetesVersion v(String text) {
        return KubernetesVersion.parse(text).orElseThrow();
    }

    @Test
    void everyMinorFromTheOldestToTheNewestHasAnEndOfLifeAfterThePreviousOne() {
        LocalDate previous = LocalDate.MIN;
        for (int minor = KubernetesVersion.OLDEST_MINOR; minor <= KubernetesVersion.NEWEST_MINOR; minor++) {
            KubernetesVersion version = v("1." + minor);
            assertTrue(version.isSupported(), "1." + minor + " is missing from the table");
            assertTrue(version.endOfLife().isAfter(previous), "1." + minor + " ends after 1." + (minor - 1));
            previous = version.endOfLife();
        }
        assertEquals(29, KubernetesVersion.OLDEST_MINOR);
        assertEquals(37, KubernetesVersion.NEWEST_MINOR);
    }

    @Test
    void theWarningComesOnTheEndOfLifeDayNotBeforeAndNamesWhatToMoveTo() {
        KubernetesVersion v135 = v("1.35.3");
        assertEquals(Optional.empty(), v135.endOfLifeWarning(LocalDate.of(2027, 2, 27)));
        String warning = v135.endOfLifeWarning(LocalDate.of(2027, 2, 28)).orElseThrow();
        assertEquals("kubernetesVersion: Kubernetes 1.35 reached its upstream end of life on 2027-02-28 and gets no security fixes"
                + " (https://kubernetes.io/releases/); supported minors today: 1.36, 1.37. Upgrade one minor at a time"
                + " (1.35 -> 1.36 -> ... -> 1.37).", warning);
        assertTrue(v("1.29").endOfLifeWarning(LocalDate.of(2026, 12, 7)).orElseThrow().contains("supported minors today: 1.35, 1.36, 1.37"));
    }

    /** Fails the day the project's default minor reaches its end of life: then the table and the default move on. */
    @Test
    void theProjectsDefaultMinorIsSupportedUpstreamToday() {
        String def = ProjectSchema.get().key("kubernetesVersion").orElseThrow().defaultValue().orElseThrow().asText();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertEquals(Optional.empty(), v(def).endOfLifeWarning(today),
                "the default kubernetesVersion " + def + " is past its end of life: add the new minors to KubernetesVersion.END_OF_LIFE and move the default");
    }

    @Test
    void containerd2IsNeededFromKubernetes136() {
        assertEquals(1, v("1.35.9").minimumContainerdMajor());
        assertEquals(2, v("1.36").minimumContainerdMajor());
        assertEquals(2, v("1.37.1").minimumContainerdMajor());
    }

    @Test
    void theKubeadmApiIsV1beta4From131() {
        assertEquals("kubeadm.k8s.io/v1beta3", v("1.30.14").kubeadmApiVersion());
        assertEquals("kubeadm.k8s.io/v1beta4", v("1.31").kubeadmApiVersion());
        assertEquals("kubeadm.k8s.io/v1beta4", v("1.37").kubeadmApiVersion());
    }
}
