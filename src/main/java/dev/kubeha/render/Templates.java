package dev.kubeha.render;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the files under {@code components/} (shipped on the classpath) and fills their {@code {{name}}}
 * placeholders. A placeholder without a value, or a value without a placeholder, is a bug and throws.
 */
public final class Templates {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z][A-Za-z0-9_]*)\\s*}}");

    private Templates() {
    }

    /** Each file read once: a large stack renders the same few files thousands of times. */
    private static final Map<String, String> LOADED = new ConcurrentHashMap<>();

    /** The text of {@code components/<path>}. */
    public static String load(String path) {
        return LOADED.computeIfAbsent(path, Templates::read);
    }

    private static String read(String path) {
        String resource = "/components/" + path;
        try (InputStream in = Templates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no such component file: components/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading components/" + path, e);
        }
    }

    /** Loads {@code components/<path>} and fills it. */
    public static String render(String path, Map<String, String> values) {
        return fill(load(path), values, path);
    }

    /** Fills every placeholder of a template text. */
    public static String fill(String template, Map<String, String> values, String name) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        Set<String> missing = new TreeSet<>();
        Set<String> used = new LinkedHashSet<>();
        while (m.find()) {
            String key = m.group(1);
            String value = values.get(key);
            if (value == null) {
                missing.add(key);
                value = "";
            }
            used.add(key);
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(name + ": no value for placeholder(s) " + missing);
        }
        Set<String> unused = new TreeSet<>(values.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(name + ": value(s) without placeholder " + unused);
        }
        return out.toString();
    }
}
