package com.startyhook.config;

import com.startyhook.ConfigurationException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw configuration values resolved from the catalogue: flags, then environment, then file, then
 * defaults. Typed getters validate and name the key and its source in their messages.
 */
public final class Settings {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB)?", Pattern.CASE_INSENSITIVE);

    private final Map<String, String> values;
    private final Map<String, String> sources;

    private Settings(Map<String, String> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /**
     * @param flags       values given on the command line (secret keys are refused here)
     * @param environment the process environment
     * @param file        an optional properties file (null when none)
     */
    public static Settings resolve(Map<String, String> flags, Map<String, String> environment, Path file) {
        Map<String, String> fromFile = new HashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigurationException("cannot read configuration file " + file + ": " + e.getMessage());
            }
            for (String name : p.stringPropertyNames()) {
                if (ConfigCatalogue.get(name) == null) {
                    throw new ConfigurationException("configuration file " + file + ": unknown key '" + name + "'"
                            + suggestion(name) + "; the keys are listed by `startyhook run --help-config`");
                }
                fromFile.put(name, p.getProperty(name).trim());
            }
        }
        for (String name : flags.keySet()) {
            ConfigKey key = ConfigCatalogue.get(name);
            if (key == null) {
                throw new ConfigurationException("unknown configuration key '" + name + "'" + suggestion(name));
            }
            if (key.secret()) {
                throw new ConfigurationException(name + " is a secret: set it with the environment variable "
                        + key.environmentVariable() + " or in the configuration file, not on the command line");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (ConfigKey key : ConfigCatalogue.keys()) {
            String v;
            String source;
            if (flags.get(key.key()) != null) {
                v = flags.get(key.key());
                source = "flag --set " + key.key();
            } else if (environment.get(key.environmentVariable()) != null) {
                v = environment.get(key.environmentVariable());
                source = "environment " + key.environmentVariable();
            } else if (fromFile.get(key.key()) != null) {
                v = fromFile.get(key.key());
                source = "file " + file + " key " + key.key();
            } else {
                v = key.defaultValue();
                source = "default of " + key.key();
            }
            if (v != null) {
                values.put(key.key(), v);
                sources.put(key.key(), source);
            }
        }
        return new Settings(values, sources);
    }

    private static String suggestion(String name) {
        String best = com.startyhook.rules.Suggestions.closest(name,
                ConfigCatalogue.keys().stream().map(ConfigKey::key).toList());
        return best != null ? " (did you mean '" + best + "'?)" : "";
    }

    private static ConfigKey known(String key) {
        ConfigKey k = ConfigCatalogue.get(key);
        if (k == null) {
            throw new IllegalArgumentException("not in the configuration catalogue: " + key);
        }
        return k;
    }

    /** The value, or null when unset and without default. */
    public String string(String key) {
        known(key);
        return values.get(key);
    }

    public String required(String key) {
        String v = string(key);
        if (v == null || v.isBlank()) {
            ConfigKey k = known(key);
            throw new ConfigurationException(key + " is required: " + k.description() + ". Set it with "
                    + (k.secret() ? "" : "--set " + key + "=VALUE, ") + "the environment variable "
                    + k.environmentVariable() + " or the configuration file (--config FILE)");
        }
        return v;
    }

    public int integer(String key, int min, int max) {
        String v = string(key);
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new ConfigurationException(key + " must be between " + min + " and " + max + ", got " + n
                        + " (from " + sources.get(key) + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a whole number, got '" + v + "' (from " + sources.get(key) + ")");
        }
    }

    public double decimal(String key, double min, double max) {
        String v = string(key);
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d >= min && d <= max)) {
                throw new ConfigurationException(key + " must be between " + min + " and " + max + ", got " + v
                        + " (from " + sources.get(key) + ")");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a number, got '" + v + "' (from " + sources.get(key) + ")");
        }
    }

    public boolean bool(String key) {
        String v = string(key).trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigurationException(key + " must be true or false, got '" + v + "' (from "
                    + sources.get(key) + ")");
        };
    }

    public Duration duration(String key) {
        String v = string(key);
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(key + " must be a duration such as 500ms, 30s, 5m, 2h, 7d or PT30S, got '"
                    + v + "' (from " + sources.get(key) + ")");
        }
    }

    public long bytes(String key) {
        String v = string(key).trim();
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new ConfigurationException(key + " must be a size such as 512MB or 1GB, got '" + v + "' (from "
                    + sources.get(key) + ")");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        return switch (unit) {
            case "KB" -> n << 10;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            case "TB" -> n << 40;
            default -> n;
        };
    }

    public Path path(String key) {
        String v = string(key);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT30S}). */
    public static Duration parseDuration(String text) {
        Duration d = com.startyhook.rules.Durations.parse(text);
        if (d == null) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        return d;
    }

    /** Where a key's value came from, for messages (never the value of a secret). */
    public String source(String key) {
        return sources.get(key);
    }
}
