package io.tracestream.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The {@code log.*} keys every part takes: the root level, levels per logger and text or JSON lines on
 * stderr (journald stores either; JSON for a log shipper). {@code logback.xml} in the jar is what applies
 * until a part has read its settings.
 */
final class Logging {
  static final String LEVEL = "log.level";
  static final String LEVELS = "log.levels";
  static final String FORMAT = "log.format";
  static final List<ConfigKey> KEYS = List.of(
      new ConfigKey(LEVEL, "info", "level of every logger not named in log.levels: error, warn, info, debug, trace"),
      new ConfigKey(LEVELS, "",
          "levels per logger, logger=level separated by commas, e.g. org.apache.kafka=info,io.tracestream=debug "
              + "(Kafka's and gRPC's loggers are at warn unless named here)"),
      new ConfigKey(FORMAT, "text", "text (timestamp level logger - message) or json (one object per line: "
          + "timestamp, level, threadName, loggerName, mdc, formattedMessage, throwable)"));

  private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger - %msg%n";

  private Logging() {}

  /** Applies the {@code log.*} keys of {@code settings}; a bad value fails naming its key. */
  static void configure(Settings settings) {
    settings.requireKnown("log.", KEYS);
    Level root = level(LEVEL, settings.string(LEVEL, "info"));
    String format = settings.string(FORMAT, "text");
    if (!format.equals("text") && !format.equals("json")) {
      throw new ConfigException(FORMAT, "expected text or json, got '" + format + "'");
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J provider (a test class path): it keeps its own configuration
    }
    for (String entry : settings.string(LEVELS, "").split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(LEVELS, "expected logger=level, got '" + entry.strip() + "'");
      }
      context.getLogger(entry.substring(0, eq).strip()).setLevel(level(LEVELS, entry.substring(eq + 1)));
    }
    Logger rootLogger = context.getLogger(Logger.ROOT_LOGGER_NAME);
    rootLogger.setLevel(root);
    if (rootLogger.getAppender("STDERR") instanceof ConsoleAppender<ILoggingEvent> appender) {
      Encoder<ILoggingEvent> encoder = format.equals("json") ? jsonEncoder() : textEncoder();
      encoder.setContext(context);
      encoder.start();
      appender.stop();
      appender.setEncoder(encoder);
      appender.start();
    }
  }

  /** timestamp (ms), level, threadName, loggerName, mdc, formattedMessage, throwable. */
  private static Encoder<ILoggingEvent> jsonEncoder() {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithFormattedMessage(true);
    return encoder;
  }

  private static Encoder<ILoggingEvent> textEncoder() {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setPattern(PATTERN);
    return encoder;
  }

  private static Level level(String key, String value) {
    String v = value.strip().toUpperCase(Locale.ROOT);
    if (!List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE", "OFF").contains(v)) {
      throw new ConfigException(key, "expected error, warn, info, debug, trace or off, got '" + value.strip() + "'");
    }
    return Level.toLevel(v);
  }
}
