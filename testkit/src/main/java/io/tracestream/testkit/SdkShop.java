package io.tracestream.testkit;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessorBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The {@link ShopTraces} services, each with its own OpenTelemetry SDK ({@link SdkTracerProvider},
 * {@link BatchSpanProcessor}, {@link OtlpGrpcSpanExporter}) exporting to one OTLP/gRPC endpoint, as four
 * processes would: the spans of one trace reach the endpoint in four services' batches, at four
 * services' times. Counts, per service, the spans ended, and the spans whose export the SDK reported as
 * succeeded or failed (after its retries); a span ended but in neither was dropped by its processor's
 * queue or is still queued. Needs opentelemetry-sdk and opentelemetry-exporter-otlp on the test classpath.
 */
public final class SdkShop implements AutoCloseable {
  private final Map<String, SdkTracerProvider> providers = new LinkedHashMap<>();
  private final Map<String, AtomicLong> ended = new TreeMap<>();
  private final Map<String, AtomicLong> settled = new TreeMap<>();
  private final Set<String> exported = ConcurrentHashMap.newKeySet();
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> traces = new ConcurrentHashMap<>();
  private final List<Throwable> trafficErrors = Collections.synchronizedList(new ArrayList<>());
  private ScheduledExecutorService traffic;

  /**
   * @param endpoint the OTLP/gRPC endpoint, {@code http://host:port}
   * @param exporter settings of each service's exporter beyond the endpoint (retry policy, timeout)
   * @param processor settings of each service's batch span processor
   */
  public SdkShop(String endpoint, UnaryOperator<OtlpGrpcSpanExporterBuilder> exporter,
      UnaryOperator<BatchSpanProcessorBuilder> processor) {
    for (String service : ShopTraces.SERVICES) {
      AtomicLong endedHere = new AtomicLong();
      AtomicLong settledHere = new AtomicLong();
      ended.put(service, endedHere);
      settled.put(service, settledHere);
      SpanExporter counting = new Counting(exporter.apply(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint)).build(),
          settledHere);
      providers.put(service, SdkTracerProvider.builder()
          .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
          .addSpanProcessor(new EndCounter(endedHere))
          .addSpanProcessor(processor.apply(BatchSpanProcessor.builder(counting)).build())
          .build());
    }
  }

  /** Services with the SDK's default exporter and processor settings. */
  public SdkShop(String endpoint) {
    this(endpoint, UnaryOperator.identity(), UnaryOperator.identity());
  }

  /** Makes the seven spans of one trace starting at {@code start}; returns its trace id. */
  public String trace(Instant start) {
    return trace(start, 1);
  }

  /**
   * Makes the seven spans of one trace starting at {@code start}, each starting and ending {@code slowdown} times
   * as long after it as in {@link ShopTraces#SPANS}: a slow trace; returns its trace id.
   */
  public String trace(Instant start, int slowdown) {
    Span[] spans = new Span[ShopTraces.SPANS.size()];
    for (int i = 0; i < spans.length; i++) {
      ShopTraces.Part part = ShopTraces.SPANS.get(i);
      SpanBuilder builder = providers.get(part.service()).get("io.tracestream.testkit").spanBuilder(part.name())
          .setSpanKind(part.server() ? SpanKind.SERVER : SpanKind.CLIENT)
          .setStartTimestamp(start.plus(part.startMicros() * slowdown, ChronoUnit.MICROS));
      spans[i] = (part.parent() < 0 ? builder.setNoParent()
          : builder.setParent(Context.root().with(spans[part.parent()]))).startSpan();
    }
    for (int i = spans.length - 1; i >= 0; i--) { // children end before their parents
      spans[i].end(start.plus(ShopTraces.SPANS.get(i).endMicros() * slowdown, ChronoUnit.MICROS));
    }
    String traceId = spans[0].getSpanContext().getTraceId();
    traces.put(traceId, start);
    return traceId;
  }

  /** Starts one trace every {@code every}, each ending now (it started {@link ShopTraces#DURATION} ago). */
  public synchronized void startTraffic(Duration every) {
    traffic = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "sdk-shop-traffic"));
    traffic.scheduleAtFixedRate(() -> {
      try {
        trace(Instant.now().minus(ShopTraces.DURATION));
      } catch (RuntimeException e) {
        trafficErrors.add(e);
      }
    }, 0, every.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Stops the traffic; no trace is made after this returns. */
  public synchronized void stopTraffic() throws InterruptedException {
    if (traffic != null) {
      traffic.shutdown();
      if (!traffic.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the traffic thread did not stop");
      }
      traffic = null;
    }
    if (!trafficErrors.isEmpty()) {
      throw new IllegalStateException("making a trace failed", trafficErrors.get(0));
    }
  }

  /** Exports every ended span; true when every service's last export succeeded within {@code timeout}. */
  public boolean flush(Duration timeout) {
    List<CompletableResultCode> results = providers.values().stream().map(SdkTracerProvider::forceFlush).toList();
    return CompletableResultCode.ofAll(results).join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
  }

  /** Trace id to start of every trace made. */
  public Map<String, Instant> traces() {
    return Map.copyOf(traces);
  }

  /** Spans ended, per service. */
  public Map<String, Long> ended() {
    return snapshot(ended);
  }

  /** Spans whose export has finished (succeeded or failed), per service. */
  public Map<String, Long> settled() {
    return snapshot(settled);
  }

  /** Span ids (16 hex digits) of spans whose export succeeded: the endpoint acknowledged them. */
  public Set<String> exported() {
    return Set.copyOf(exported);
  }

  /** Span ids of spans whose export failed after the exporter's retries. */
  public Set<String> failed() {
    return Set.copyOf(failed);
  }

  /** Stops the traffic and shuts every SDK down (which exports what is queued). */
  @Override
  public void close() {
    try {
      stopTraffic();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      providers.values().forEach(SdkTracerProvider::close);
    }
  }

  private static Map<String, Long> snapshot(Map<String, AtomicLong> counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((service, n) -> out.put(service, n.get()));
    return out;
  }

  private static final class EndCounter implements SpanProcessor {
    private final AtomicLong ended;

    EndCounter(AtomicLong ended) {
      this.ended = ended;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      ended.incrementAndGet();
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }

  /** Records, per span, how the exporter's export (with its retries) ended. */
  private final class Counting implements SpanExporter {
    private final SpanExporter delegate;
    private final AtomicLong settledHere;

    Counting(SpanExporter delegate, AtomicLong settledHere) {
      this.delegate = delegate;
      this.settledHere = settledHere;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      List<String> ids = spans.stream().map(SpanData::getSpanId).toList();
      CompletableResultCode result = delegate.export(spans);
      result.whenComplete(() -> {
        (result.isSuccess() ? exported : failed).addAll(ids);
        settledHere.addAndGet(ids.size());
      });
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }
  }
}
