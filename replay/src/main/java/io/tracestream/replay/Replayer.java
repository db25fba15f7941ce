package io.tracestream.replay;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.replay.source.SpanSink;
import io.tracestream.span.SplitResult;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceRecord;
import io.tracestream.span.TraceSplitter;
import java.io.PrintStream;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Takes what a source reads and sends it: each request is paced, split by trace id into
 * {@code otlp_spans} records ({@link TraceSplitter}, as the bridge does) and sent keyed by trace id.
 * Spans the splitter refuses, and spans Kafka does not acknowledge, are counted by reason; bad input
 * is reported with its location and counted, and with {@code strict} stops the replay.
 */
public final class Replayer implements SpanSink {
  /** Sends records; {@link TraceKeyedProducer} in production, a fake in tests. */
  public interface RecordSender {
    CompletableFuture<Void> send(List<TraceRecord> records);

    void flush();

    static RecordSender of(TraceKeyedProducer producer) {
      return new RecordSender() {
        @Override
        public CompletableFuture<Void> send(List<TraceRecord> records) {
          return producer.send(records);
        }

        @Override
        public void flush() {
          producer.flush();
        }
      };
    }
  }

  private final TraceSplitter splitter;
  private final RecordSender sender;
  private final Pacer pacer;
  private final boolean strict;
  private final ReplayStats stats;
  private final PrintStream err;
  private final Queue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
  private volatile Throwable sendFailure;

  public Replayer(TraceSplitter splitter, RecordSender sender, Pacer pacer, boolean strict, ReplayStats stats,
      PrintStream err) {
    this.splitter = splitter;
    this.sender = sender;
    this.pacer = pacer;
    this.strict = strict;
    this.stats = stats;
    this.err = err;
  }

  @Override
  public void accept(ExportTraceServiceRequest request, String location) {
    if (strict && sendFailure != null) {
      throw new ReplayStoppedException("--strict: Kafka did not acknowledge spans: " + sendFailure, sendFailure);
    }
    int spans = 0;
    long latestEnd = Long.MIN_VALUE;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          spans++;
          latestEnd = Math.max(latestEnd, span.getEndTimeUnixNano());
        }
      }
    }
    stats.read(spans);
    if (spans == 0) {
      return;
    }
    try {
      pacer.await(spans, latestEnd);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplayStoppedException("interrupted", e);
    }
    SplitResult split = splitter.split(request);
    split.rejected().forEach((reason, n) -> stats.rejected(reason.description(), n));
    if (strict && split.rejectedSpans() > 0) {
      throw new ReplayStoppedException("--strict: " + location + ": " + split.rejectionMessage());
    }
    for (TraceRecord record : split.records()) {
      CompletableFuture<Void> sent = sender.send(List.of(record)).whenComplete((ok, error) -> {
        if (error == null) {
          stats.sent(record.spanCount());
        } else {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          stats.rejected("not acknowledged by Kafka (" + cause.getClass().getSimpleName() + ")", record.spanCount());
          if (sendFailure == null) {
            sendFailure = cause;
          }
        }
      });
      pending.add(sent);
    }
    while (!pending.isEmpty() && pending.peek().isDone()) {
      pending.poll();
    }
  }

  @Override
  public void bad(String location, String reason) {
    stats.badInput();
    err.println("replay: skipped " + location + ": " + reason);
    if (strict) {
      throw new ReplayStoppedException("--strict: stopped at the first bad input, " + location + ": " + reason);
    }
  }

  /** Waits until every record sent is acknowledged or has failed; counts are final after it. */
  public void finish() {
    sender.flush();
    CompletableFuture<Void> next;
    while ((next = pending.poll()) != null) {
      try {
        next.join();
      } catch (CompletionException e) {
        // counted by its callback
      }
    }
    if (strict && sendFailure != null) {
      throw new ReplayStoppedException("--strict: Kafka did not acknowledge spans: " + sendFailure, sendFailure);
    }
  }

  /** The first send that failed, or null. */
  public Throwable sendFailure() {
    return sendFailure;
  }
}
