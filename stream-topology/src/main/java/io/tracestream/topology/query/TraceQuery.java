package io.tracestream.topology.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracestream.topology.traces.TraceSummary;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code GET /api/traces} search, as Jaeger's query service takes it: {@code service} (required),
 * {@code operation}, {@code minDuration}/{@code maxDuration} in Go's duration syntax ({@code 500ms},
 * {@code 1.2s}, {@code 100us}), {@code error}, {@code tags} (a JSON object), {@code limit}, and
 * {@code start}/{@code end} in epoch microseconds. A bad value is a {@link QueryApi.BadRequest} naming it.
 *
 * @param operation when present, the root span must be of {@code service} and have this name
 * @param error when present, the trace's error flag must be this
 * @param tags each must be the trace's value of that dimension attribute; {@code error} is the error flag
 * @param fromMs oldest trace end searched, epoch milliseconds, inclusive
 * @param toMs newest trace end searched, epoch milliseconds, inclusive
 */
record TraceQuery(String service, Optional<String> operation, long minDurationNanos, long maxDurationNanos,
    Optional<Boolean> error, Map<String, String> tags, int limit, long fromMs, long toMs) {
  static final int DEFAULT_LIMIT = 20;
  /** The largest {@code limit}: the largest the Jaeger UI offers. */
  static final int MAX_LIMIT = 1500;
  /** The range searched without {@code start}: the Jaeger UI's default lookback. */
  static final Duration DEFAULT_LOOKBACK = Duration.ofHours(1);

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Go's {@code time.ParseDuration}, unsigned: one or more decimal numbers, each with a unit. */
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  TraceQuery {
    tags = Map.copyOf(tags);
  }

  /** The search of a request's parameters; an empty value is taken as absent, as the Jaeger UI sends them. */
  static TraceQuery parse(Map<String, String> params, Clock clock) {
    String service = text(params, "service")
        .orElseThrow(() -> new QueryApi.BadRequest("service: required (the service whose traces are searched)"));
    long minDuration = text(params, "minDuration").map(v -> durationNanos("minDuration", v)).orElse(0L);
    long maxDuration = text(params, "maxDuration").map(v -> durationNanos("maxDuration", v)).orElse(Long.MAX_VALUE);
    if (minDuration > maxDuration) {
      throw new QueryApi.BadRequest("maxDuration: must not be shorter than minDuration");
    }
    Optional<Boolean> error = text(params, "error").map(v -> switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new QueryApi.BadRequest("error: true or false, got '" + v + "'");
    });
    int limit = text(params, "limit").map(TraceQuery::limit).orElse(DEFAULT_LIMIT);
    long endMicros = text(params, "end").map(v -> micros("end", v)).orElse(clock.millis() * 1000);
    long startMicros = text(params, "start").map(v -> micros("start", v))
        .orElse(Math.max(0, endMicros - DEFAULT_LOOKBACK.toNanos() / 1000));
    if (startMicros > endMicros) {
      throw new QueryApi.BadRequest("start: must not be after end");
    }
    return new TraceQuery(service, text(params, "operation"), minDuration, maxDuration, error,
        text(params, "tags").map(TraceQuery::tags).orElse(Map.of()), limit, startMicros / 1000, endMicros / 1000);
  }

  /** Whether a trace is one this search asks for (its end, in the range, is checked by the store read). */
  boolean matches(TraceSummary trace) {
    if (!trace.services().contains(service)) {
      return false;
    }
    if (operation.isPresent()
        && !(trace.rootService().equals(service) && trace.rootOperation().equals(operation.get()))) {
      return false;
    }
    if (trace.durationNanos() < minDurationNanos || trace.durationNanos() > maxDurationNanos) {
      return false;
    }
    if (error.isPresent() && error.get() != trace.error()) {
      return false;
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String value = tag.getKey().equals("error") ? String.valueOf(trace.error())
          : trace.attributes().get(tag.getKey());
      if (!tag.getValue().equals(value)) {
        return false;
      }
    }
    return true;
  }

  /** This search as parameters another instance parses to the same search (its range made absolute). */
  String parameters() {
    StringBuilder query = new StringBuilder("service=").append(encode(service));
    operation.ifPresent(o -> query.append("&operation=").append(encode(o)));
    if (minDurationNanos > 0) {
      query.append("&minDuration=").append(minDurationNanos).append("ns");
    }
    if (maxDurationNanos < Long.MAX_VALUE) {
      query.append("&maxDuration=").append(maxDurationNanos).append("ns");
    }
    error.ifPresent(e -> query.append("&error=").append(e));
    if (!tags.isEmpty()) {
      try {
        query.append("&tags=").append(encode(JSON.writeValueAsString(new TreeMap<>(tags))));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a map of strings is always JSON", e);
      }
    }
    return query.append("&limit=").append(limit).append("&start=").append(fromMs * 1000)
        .append("&end=").append(toMs * 1000 + 999).toString();
  }

  /** Nanoseconds of a duration in Go's syntax ({@code 1.5s}, {@code 2m30s}, {@code 100us}). */
  static long durationNanos(String name, String value) {
    if (value.equals("0")) {
      return 0; // the one duration Go takes without a unit
    }
    Matcher part = DURATION_PART.matcher(value);
    BigDecimal nanos = BigDecimal.ZERO;
    for (int at = 0; at < value.length(); at = part.end()) {
      if (!part.region(at, value.length()).lookingAt()) {
        throw new QueryApi.BadRequest(name + ": a duration such as 500ms, 1.2s or 100us, got '" + value + "'");
      }
      nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(unitNanos(part.group(2)))));
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new QueryApi.BadRequest(name + ": at most 292 years, got '" + value + "'");
    }
    return nanos.longValue();
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs", "μs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L; // "h", the pattern admits no other
    };
  }

  private static int limit(String value) {
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new QueryApi.BadRequest("limit: an integer from 1 to " + MAX_LIMIT + ", got '" + value + "'");
  }

  private static long micros(String name, String value) {
    try {
      long micros = Long.parseLong(value);
      if (micros >= 0) {
        return micros;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new QueryApi.BadRequest(name + ": epoch microseconds (a non-negative integer), got '" + value + "'");
  }

  private static Map<String, String> tags(String value) {
    try {
      return JSON.readValue(value, new TypeReference<Map<String, String>>() {});
    } catch (JsonProcessingException e) {
      throw new QueryApi.BadRequest("tags: a JSON object of strings such as {\"http.method\":\"GET\"}, got '"
          + value + "'");
    }
  }

  private static Optional<String> text(Map<String, String> params, String name) {
    return Optional.ofNullable(params.get(name)).filter(v -> !v.isEmpty());
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
