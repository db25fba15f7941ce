package io.tracestream.topology;

import io.tracestream.topology.traces.TraceSpan;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Bytes in the formats before format versions, as the topology wrote them up to then (the hex is what
 * that version's writers made of these values): what an upgraded topology finds in flight and in its state.
 */
final class LegacyFormats {
  static final String SPAN_ID = "b7ad6b7169203331";
  static final long START = 1_700_000_000_000_000_000L;

  private LegacyFormats() {}

  /** The one span the legacy span batches hold, of trace {@code traceId}. */
  static TraceSpan span(String traceId) {
    return new TraceSpan(traceId, SPAN_ID, "", "frontend", "GET /", 2, false, START, START + 5_000_000,
        Map.of("peer.service", "auth"), List.of());
  }

  /** A {@code trace-assembly-spans} batch: span count, then {@code DataOutputStream} fields of each span. */
  static byte[] storedSpans(String traceId) {
    return hex("00000001", utf(traceId), utf(SPAN_ID), utf(""), utf("frontend"), utf("GET /"),
        "02", "00", "17979cfe362a0000", "17979cfe36764b40", // kind, error, start, end
        "01", utf("peer.service"), utf("auth"), "0000"); // one attribute, no links
  }

  /** A {@code spans-by-trace} record: trace id, rekey flag, then the batch as the store held it. */
  static byte[] spansByTrace(String traceId) {
    return hex(utf(traceId), "01", HexFormat.of().formatHex(storedSpans(traceId)));
  }

  /** The window {@link #window()} holds. */
  static WindowAccumulator oneSpanWindow() {
    WindowAccumulator w = WindowAccumulator.empty();
    w.add(3.5, false);
    return w;
  }

  /** A window of one 3.5 ms span: errors, 17 buckets, then the sketch bins, all fixed-width. */
  static String window() {
    return String.join("", "0000000000000000", // errors
        "0000000000000000", "0000000000000001", "00".repeat(8 * 15), // buckets: 3.5 ms is in the second
        "0000007d", "00000001", "0000000000000000", "0000000000000001", // bins: offset, length, zero count, count
        "400c000000000000".repeat(3), "00000001"); // sum, min, max, the one bin
  }

  /** A {@code span-partials-by-service} record: checkout, POST /pay, kind 2, status 2, {@link #window()}. */
  static byte[] spanPartial() {
    return hex("00000008", utf8("checkout"), "00000009", utf8("POST /pay"), "0202", window());
  }

  /** {@code DataOutputStream.writeUTF} of an ASCII string. */
  static String utf(String s) {
    return String.format("%04x", s.length()) + utf8(s);
  }

  private static String utf8(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] hex(String... parts) {
    return HexFormat.of().parseHex(String.join("", parts));
  }
}
