/**
 * Hand-written, typed Java bindings for the two Pulumi providers kubeha uses: {@code command} 1.2.1
 * (remote.Command, local.Command) and {@code random} 4.21.1 (RandomPassword, RandomString, RandomId).
 *
 * <p>The official Java SDKs (com.pulumi:command, com.pulumi:random) are not obtainable from the package registry
 * kubeha's build machines reach, so these classes were written from the providers' published schemas: the same
 * type tokens, property names, secret outputs and replace-on-change settings as the generated SDKs, and the same
 * class and builder names. With the official SDKs on the classpath, swap the imports
 * {@code dev.kubeha.providers.command} for {@code com.pulumi.command} and {@code dev.kubeha.providers.random} for
 * {@code com.pulumi.random}, and delete this package.
 *
 * <p>Each resource pins its provider version through the {@code version} resource option, and the plugins are
 * also declared in {@code com/kubeha/command/plugin.json} and {@code com/kubeha/random/plugin.json}, which the
 * Java language host's plugin discovery reads; so {@code pulumi up} installs both providers by itself.
 */
package dev.kubeha.providers;
