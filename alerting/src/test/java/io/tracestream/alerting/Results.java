package io.tracestream.alerting;

import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.util.Base64;
import java.util.Collections;

/** Window results as the topology writes them, for tests. */
final class Results {
  static final long MINUTE = 60_000;

  private Results() {}

  /** Window [start, start + 1m) of {@code count} spans of {@code latencyMs} each, {@code errors} of them errors. */
  static WindowResult window(long start, long count, long errors, double latencyMs) {
    LatencySketch sketch = LatencySketch.create();
    for (int i = 0; i < count; i++) {
      sketch.add(latencyMs);
    }
    return new WindowResult(start, start + MINUTE, count, errors, latencyMs * count, latencyMs, latencyMs, latencyMs,
        latencyMs, Collections.nCopies(17, 0L), Base64.getEncoder().encodeToString(sketch.toBytes()));
  }

  static EdgeWindowResult edge(long start, long calls, long errors) {
    return new EdgeWindowResult(start, start + MINUTE, calls, errors, null, null);
  }
}
