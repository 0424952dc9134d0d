package com.startyhook.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import com.startyhook.ConfigurationException;
import org.slf4j.LoggerFactory;

/**
 * {@code log.format}: {@code text} (the default, one line per event as {@code logback.xml} writes it)
 * or {@code json} (one JSON object per line for log shippers: timestamp, level, thread, logger,
 * formatted message, MDC, throwable), switched on the console appender once the configuration is read.
 */
final class LogFormat {
    static final String KEY = "log.format";

    private LogFormat() {}

    static void apply(String format) {
        if (format == null || "text".equals(format)) {
            return;
        }
        if (!"json".equals(format)) {
            throw new ConfigurationException(KEY + " (STARTYHOOK_LOG_FORMAT) must be text or json, got '" + format
                    + "'");
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        if (!(appender instanceof OutputStreamAppender<ILoggingEvent> console)) {
            return;
        }
        JsonEncoder json = new JsonEncoder();
        json.setContext(context);
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.setWithContext(false);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithFormattedMessage(true);
        json.start();
        console.stop();
        console.setEncoder(json);
        console.start();
    }
}
