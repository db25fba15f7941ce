package io.tracestream.replay;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one replay, thread-safe: producer callbacks count sent spans. */
public final class ReplayStats {
  private final AtomicLong requestsRead = new AtomicLong();
  private final AtomicLong spansRead = new AtomicLong();
  private final AtomicLong spansSent = new AtomicLong();
  private final AtomicLong badInputs = new AtomicLong();
  private final ConcurrentMap<String, AtomicLong> rejected = new ConcurrentHashMap<>();

  void read(int spans) {
    requestsRead.incrementAndGet();
    spansRead.addAndGet(spans);
  }

  void sent(int spans) {
    spansSent.addAndGet(spans);
  }

  void rejected(String reason, long spans) {
    rejected.computeIfAbsent(reason, r -> new AtomicLong()).addAndGet(spans);
  }

  void badInput() {
    badInputs.incrementAndGet();
  }

  public long spansRead() {
    return spansRead.get();
  }

  public long spansSent() {
    return spansSent.get();
  }

  /** Lines, messages or traces skipped because they could not be read (their spans are not counted as read). */
  public long badInputs() {
    return badInputs.get();
  }

  /** Spans read but not sent, by reason. */
  public Map<String, Long> rejected() {
    Map<String, Long> out = new TreeMap<>();
    rejected.forEach((reason, n) -> out.put(reason, n.get()));
    return out;
  }

  public long spansRejected() {
    return rejected.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** The closing summary: spans read, sent, rejected with reasons, bad input skipped. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    out.append("replay: ").append(spansRead()).append(" spans read in ").append(requestsRead.get())
        .append(" requests, ").append(spansSent()).append(" sent, ").append(spansRejected()).append(" rejected");
    rejected().forEach((reason, n) -> out.append("\n  rejected: ").append(n).append(' ').append(reason));
    if (badInputs() > 0) {
      out.append("\n  bad input skipped: ").append(badInputs()).append(" lines, messages or traces (reported above)");
    }
    return out.toString();
  }
}
