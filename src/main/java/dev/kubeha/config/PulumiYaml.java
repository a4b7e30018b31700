package dev.kubeha.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads YAML the way the Pulumi CLI reads Pulumi.yaml and Pulumi.STACK.yaml: with gopkg.in/yaml.v3
 * (pulumi/pulumi sdk/go/common/encoding/marshal.go). Two things differ from Jackson's YAML 1.1 reading, and both
 * change what a program receives:
 * <ul>
 *   <li>plain scalars resolve as yaml.v3 does (go-yaml/yaml v3 resolve.go): only true/True/TRUE and
 *   false/False/FALSE are booleans ({@code yes}, {@code on} stay strings), {@code ""}, {@code ~} and null forms are
 *   null, numbers keep Go's types (int, float64);</li>
 *   <li>a mapping with a key given twice is refused (yaml.v3 decode.go, {@code d.uniqueKeys}: "mapping key ...
 *   already defined at line ...").</li>
 * </ul>
 * The result is a Jackson tree with those types (TextNode, LongNode/BigIntegerNode, DoubleNode, BooleanNode,
 * NullNode), and every duplicate key with its lines.
 */
public final class PulumiYaml {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Marks a plain scalar without an explicit tag: resolved below by yaml.v3's rules, not SnakeYAML's. */
    private static final Tag IMPLICIT = new Tag("tag:kubeha.dev,2026:implicit");
    private static final Pattern YAML_FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final int MAX_DEPTH = 64;
    private static final Pattern TIMESTAMP_START = Pattern.compile("[0-9]{4}-.*");

    /** A key given twice in one mapping: its path (keys from the root) and the lines (1-based) of both. */
    public record Duplicate(List<String> path, String key, int firstLine, int line) {
    }

    /** The document (null for an empty one) and the duplicate keys it has (Pulumi refuses a file with any). */
    public record Document(JsonNode root, List<Duplicate> duplicates, Map<List<String>, Integer> lines) {
        /** The 1-based line of the mapping key at {@code path}, if known. */
        public Optional<Integer> line(List<String> path) {
            return Optional.ofNullable(lines.get(path));
        }
    }

    /** Unreadable YAML, with the parser's own explanation (it names line and column). */
    public static final class SyntaxException extends Exception {
        public SyntaxException(String message) {
            super(message);
        }
    }

    private PulumiYaml() {
    }

    public static Document read(String text) throws SyntaxException {
        Node root;
        try {
            DumperOptions dump = new DumperOptions();
            Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(dump), dump, new LoaderOptions(),
                    new PlainAsImplicit());
            root = yaml.compose(new StringReader(text));
        } catch (YAMLException e) {
            throw new SyntaxException(e.getMessage());
        }
        List<Duplicate> duplicates = new ArrayList<>();
        Map<List<String>, Integer> lines = new HashMap<>();
        JsonNode tree = root == null ? null : convert(root, List.of(), duplicates, lines, 0);
        return new Document(tree, List.copyOf(duplicates), Map.copyOf(lines));
    }

    private static JsonNode convert(Node node, List<String> path, List<Duplicate> duplicates, Map<List<String>, Integer> lines,
                                    int depth) throws SyntaxException {
        if (depth > MAX_DEPTH) {
            throw new SyntaxException("nested more than " + MAX_DEPTH + " levels deep (a recursive alias?) at line "
                    + (node.getStartMark().getLine() + 1));
        }
        if (node instanceof ScalarNode scalar) {
            return scalar(scalar);
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = NODES.arrayNode();
            for (Node item : sequence.getValue()) {
                array.add(convert(item, path, duplicates, lines, depth + 1));
            }
            return array;
        }
        MappingNode mapping = (MappingNode) node;
        ObjectNode object = NODES.objectNode();
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
            int line = tuple.getKeyNode().getStartMark().getLine() + 1;
            Integer first = seen.putIfAbsent(key, line);
            if (first != null) {
                duplicates.add(new Duplicate(path, key, first, line));
                continue;
            }
            List<String> keyPath = new ArrayList<>(path);
            keyPath.add(key);
            lines.put(List.copyOf(keyPath), line);
            object.set(key, convert(tuple.getValueNode(), List.copyOf(keyPath), duplicates, lines, depth + 1));
        }
        return object;
    }

    private static JsonNode scalar(ScalarNode scalar) {
        String text = scalar.getValue();
        if (!scalar.isPlain() || scalar.getTag().equals(Tag.STR)) {
            return NODES.textNode(text);
        }
        return resolve(text);
    }

    /** A plain scalar as yaml.v3 resolves it (go-yaml/yaml v3 resolve.go, {@code resolve}). */
    static JsonNode resolve(String in) {
        switch (in) {
            case "true", "True", "TRUE" -> {
                return NODES.booleanNode(true);
            }
            case "false", "False", "FALSE" -> {
                return NODES.booleanNode(false);
            }
            case "", "~", "null", "Null", "NULL" -> {
                return NODES.nullNode();
            }
            case ".nan", ".NaN", ".NAN" -> {
                return NODES.numberNode(Double.NaN);
            }
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" -> {
                return NODES.numberNode(Double.POSITIVE_INFINITY);
            }
            case "-.inf", "-.Inf", "-.INF" -> {
                return NODES.numberNode(Double.NEGATIVE_INFINITY);
            }
            default -> {
            }
        }
        char hint = in.charAt(0);
        if (hint == '.') {
            return YAML_FLOAT.matcher(in).matches() ? NODES.numberNode(Double.parseDouble(in)) : NODES.textNode(in);
        }
        if (hint != '+' && hint != '-' && !Character.isDigit(hint)) {
            return NODES.textNode(in);
        }
        if (TIMESTAMP_START.matcher(in).matches()) {
            // A timestamp (YYYY-...): yaml.v3 makes it a time.Time; kubeha has no such key, it stays as written.
            return NODES.textNode(in);
        }
        String plain = in.replace("_", "");
        Optional<BigInteger> integer = goInteger(plain);
        if (integer.isPresent()) {
            BigInteger v = integer.get();
            return v.bitLength() < 64 ? NODES.numberNode(v.longValue()) : NODES.numberNode(v);
        }
        if (YAML_FLOAT.matcher(plain).matches()) {
            return NODES.numberNode(Double.parseDouble(plain));
        }
        return NODES.textNode(in);
    }

    /** Go's strconv.ParseInt/ParseUint with base 0: sign, then 0x, 0o, 0b or a leading 0 (octal), then digits. */
    private static Optional<BigInteger> goInteger(String s) {
        boolean negative = s.startsWith("-");
        String body = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        int radix = 10;
        String lower = body.toLowerCase();
        if (lower.startsWith("0x")) {
            radix = 16;
            body = body.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            body = body.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            body = body.substring(2);
        } else if (body.length() > 1 && body.startsWith("0")) {
            radix = 8;
            body = body.substring(1);
        }
        if (body.isEmpty() || !body.chars().allMatch(c -> Character.digit(c, 16) >= 0 && Character.digit(c, 16) < 16)) {
            return Optional.empty();
        }
        try {
            BigInteger v = new BigInteger(body, radix);
            v = negative ? v.negate() : v;
            boolean fits = negative ? v.bitLength() < 64 : v.bitLength() <= 64;
            return fits ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The string a program receives for a scalar stack value: the CLI decodes the stack file into Go values and
     * encodes it again before reading each value as a string (pulumi/pulumi sdk/go/common/workspace/loaders.go,
     * LoadProjectStackBytes; sdk/go/common/resource/config/value.go, unmarshalValue), so {@code 1.30} arrives as
     * "1.3", {@code 0x18} as "24", an empty value as "".
     */
    public static String engineString(JsonNode scalar) {
        if (scalar == null || scalar.isNull()) {
            return "";
        }
        if (scalar.isDouble()) {
            return goFloat(scalar.doubleValue());
        }
        return scalar.asText();
    }

    /** Go's strconv.FormatFloat(f, 'g', -1, 64), as yaml.v3 encodes a float (encode.go). */
    static String goFloat(double f) {
        if (Double.isNaN(f)) {
            return ".nan";
        }
        if (Double.isInfinite(f)) {
            return f > 0 ? ".inf" : "-.inf";
        }
        if (f == 0) {
            return (1 / f < 0) ? "-0" : "0";
        }
        BigDecimal d = new BigDecimal(Double.toString(f)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        if (exponent < -4 || exponent >= 6) {  // 'g' with the shortest precision: %e outside [1e-4, 1e6)
            String digits = d.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String sign = exponent < 0 ? "-" : "+";
            String exp = String.format("%02d", Math.abs(exponent));
            return (f < 0 ? "-" : "") + mantissa + "e" + sign + exp;
        }
        return d.toPlainString();
    }

    /** Leaves every plain scalar without an explicit tag to {@link #resolve}; SnakeYAML's own resolver is YAML 1.1. */
    private static final class PlainAsImplicit extends Resolver {
        @Override
        public Tag resolve(NodeId kind, String value, boolean implicit) {
            if (kind == NodeId.scalar && implicit) {
                return IMPLICIT;
            }
            return super.resolve(kind, value, implicit);
        }
    }
}
