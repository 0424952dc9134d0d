package com.startyhook.app;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4: every line is a HELP, a TYPE, or
 * a sample of a family whose TYPE came first; names, labels, escapes and values are checked, and a
 * series may appear only once. Throws {@link IllegalArgumentException} naming the line otherwise.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {}

    final Map<String, String> types = new LinkedHashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        Set<String> series = new HashSet<>();
        Map<String, String> help = new HashMap<>();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + ": " + line;
            if (line.startsWith("# HELP ")) {
                String[] parts = line.substring(7).split(" ", 2);
                requireName(parts[0], where);
                if (help.put(parts[0], parts.length > 1 ? parts[1] : "") != null) {
                    throw new IllegalArgumentException("second HELP for " + parts[0] + ", " + where);
                }
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                if (parts.length != 2 || !TYPES.contains(parts[1])) {
                    throw new IllegalArgumentException("bad TYPE, " + where);
                }
                requireName(parts[0], where);
                if (p.types.put(parts[0], parts[1]) != null) {
                    throw new IllegalArgumentException("second TYPE for " + parts[0] + ", " + where);
                }
            } else if (line.startsWith("#")) {
                continue; // a comment
            } else if (line.isBlank()) {
                throw new IllegalArgumentException("blank line, " + where);
            } else {
                Sample s = sample(line, where);
                String family = p.family(s.name());
                if (family == null) {
                    throw new IllegalArgumentException("sample before its TYPE, " + where);
                }
                if (!series.add(s.name() + new TreeMap<>(s.labels()))) {
                    throw new IllegalArgumentException("duplicate series, " + where);
                }
                p.samples.add(s);
            }
        }
        return p;
    }

    /** The declared family of a sample name (histograms and summaries add suffixes). */
    String family(String sample) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line, String where) {
        Matcher m = NAME.matcher(line);
        if (!m.lookingAt()) {
            throw new IllegalArgumentException("bad metric name, " + where);
        }
        String name = m.group();
        int i = m.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher l = LABEL.matcher(line).region(i, line.length());
                if (!l.lookingAt() || line.charAt(l.end()) != '=' || line.charAt(l.end() + 1) != '"') {
                    throw new IllegalArgumentException("bad label, " + where);
                }
                String label = l.group();
                StringBuilder value = new StringBuilder();
                int j = l.end() + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        value.append(switch (e) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("bad escape \\" + e + ", " + where);
                        });
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice, " + where);
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        if (line.charAt(i) != ' ' || rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("bad value, " + where);
        }
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        return new Sample(name, labels, value);
    }

    private static void requireName(String name, String where) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name " + name + ", " + where);
        }
    }

    /** The samples named {@code name} whose labels include {@code labels}. */
    List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    double value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + labels + ", found " + found);
        }
        return found.get(0).value();
    }
}
