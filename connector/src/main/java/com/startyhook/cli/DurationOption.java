package com.startyhook.cli;

import com.startyhook.rules.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * The one duration style of every option: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h},
 * {@code 1d} or ISO-8601 ({@code PT30S}), the same forms as rule files and configuration.
 */
final class DurationOption {
    private DurationOption() {}

    static Duration parse(String text) {
        Duration d = Durations.parse(text);
        if (d == null) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 30s, 5m, 1h or 2d");
        }
        return d;
    }

    /** The shortest of the forms above that says {@code d} exactly. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** picocli converter for duration options. */
    static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * For an option that counts whole seconds ({@code bench --seconds}): a duration as above, or,
     * as the option always took, a plain number of seconds.
     */
    static final class SecondsConverter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String t = value.strip();
            if (t.matches("\\d{1,9}")) {
                return Integer.parseInt(t);
            }
            Duration d = new Converter().convert(t);
            if (d.toMillis() % 1000 != 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number of seconds");
            }
            return Math.toIntExact(d.toSeconds());
        }
    }
}
