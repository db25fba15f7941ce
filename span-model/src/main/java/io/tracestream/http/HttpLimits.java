package io.tracestream.http;

import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Time and connection bounds of one HTTP listener, from {@code <prefix>.header.timeout},
 * {@code <prefix>.read.timeout}, {@code <prefix>.write.timeout} and {@code <prefix>.max.connections}.
 *
 * @param headerTimeout from a request's first byte (a new connection's TLS handshake included) until its
 *     request line and headers are read
 * @param readTimeout from the headers until the whole body is read: a total, not a gap between bytes,
 *     so a body trickled a byte at a time is cut off too
 * @param writeTimeout longest a single write of the response may block on a client that does not read
 * @param maxConnections connections being read from or answered at once (each holds a thread meanwhile);
 *     more are closed at once. Idle keep-alive connections hold no thread and do not count
 */
public record HttpLimits(Duration headerTimeout, Duration readTimeout, Duration writeTimeout, int maxConnections) {
  public static final HttpLimits DEFAULTS =
      new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), 256);

  public HttpLimits {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive, got " + maxConnections);
    }
  }

  /** The documented keys under {@code prefix} (such as {@code bridge.http} or {@code topology.admin}). */
  public static List<ConfigKey> keys(String prefix, String what) {
    return List.of(
        new ConfigKey(prefix + ".header.timeout", "10s", "longest time from a request's first byte (TLS handshake"
            + " included) to the end of its headers on " + what + "; then the connection is closed"),
        new ConfigKey(prefix + ".read.timeout", "30s", "longest time to receive a request body on " + what
            + " (in total, not between bytes); then the connection is closed"),
        new ConfigKey(prefix + ".write.timeout", "30s", "longest a response write on " + what
            + " may wait for a client that does not read; then the connection is closed"),
        new ConfigKey(prefix + ".max.connections", "256", "connections " + what
            + " reads requests from or answers at once (a thread each); more are closed at once"));
  }

  public static HttpLimits from(Settings settings, String prefix) {
    return new HttpLimits(
        settings.duration(prefix + ".header.timeout", DEFAULTS.headerTimeout),
        settings.duration(prefix + ".read.timeout", DEFAULTS.readTimeout),
        settings.duration(prefix + ".write.timeout", DEFAULTS.writeTimeout),
        settings.integer(prefix + ".max.connections", DEFAULTS.maxConnections, 1, 100_000));
  }
}
