package io.tracestream.launcher.demo;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Demo traffic for {@code all-in-one --demo}: the systems tracestream is built for, each service with
 * its own OpenTelemetry SDK exporting OTLP/HTTP to the bridge, as real services would.
 *
 * <ul>
 *   <li>a trading platform: trading-bot takes trades and calls ai-engine (which reads Redis),
 *       risk-safety (PostgreSQL) and execution (the uninstrumented exchange API, PostgreSQL,
 *       eventbus-bridge); portfolio-intelligence asks position-monitor and clm; rl-training reloads
 *       ai-engine's model;
 *   <li>a market-data pipeline: ingestion → Kafka → processor → Kafka → storage → PostgreSQL, the trace
 *       context carried in the message headers (W3C {@code traceparent}); processor continues it by hand
 *       with an INTERNAL {@code process_message} span, storage with an instrumented CONSUMER span;
 *   <li>a client library: market-maker's quote client, an INTERNAL {@code api_request} span for the call
 *       and a nested INTERNAL {@code api_request} for each attempt (failed ones are retried), under which
 *       execution's SERVER span starts: no CLIENT span anywhere.
 * </ul>
 *
 * <p>portfolio-intelligence samples 10 % of its traces ({@link ThresholdSampler}, {@code ot=th:} in the
 * tracestate of every span of them, position-monitor's and clm's included); the other services keep all.
 * Latencies are log-normal per operation, about 1 % of calls fail. Every {@link Incidents#period}
 * an incident lasts {@link Incidents#length}: ai-engine's {@code POST /predict} is eight times slower
 * and half the exchange API calls fail, so the default alert rules fire, then resolve.
 */
public final class DemoTraffic implements AutoCloseable {
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  /** The older (pre-1.21 semantic conventions) HTTP names that hand-written client code often still sets. */
  static final AttributeKey<String> OLD_HTTP_METHOD = AttributeKey.stringKey("http.method");
  static final AttributeKey<String> OLD_HTTP_URL = AttributeKey.stringKey("http.url");
  static final AttributeKey<Long> OLD_HTTP_STATUS = AttributeKey.longKey("http.status_code");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  static final AttributeKey<String> DB_NAME = AttributeKey.stringKey("db.name");
  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");

  /** The share of portfolio-intelligence's traces that are sent. */
  static final double PORTFOLIO_SAMPLING = 0.1;

  /** When incidents happen: every {@code period}, for {@code length}, counted from {@code epoch}. */
  public record Incidents(Duration period, Duration length) {
    public static final Incidents DEFAULT = new Incidents(Duration.ofMinutes(10), Duration.ofMinutes(3));

    boolean activeAt(Instant t) {
      return Math.floorMod(t.toEpochMilli(), period.toMillis()) < length.toMillis();
    }
  }

  private final Map<String, SdkTracerProvider> providers = new LinkedHashMap<>();
  private final Map<String, Tracer> tracers = new HashMap<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tracestream-demo");
    t.setDaemon(true);
    return t;
  });
  private final SplittableRandom random = new SplittableRandom(42);
  private final Clock clock;
  private final Incidents incidents;
  private final double tracesPerSecond;
  private double owed;

  /** {@code processor} gives each service's SDK its span processor (the exporter). */
  DemoTraffic(Supplier<SpanProcessor> processor, double tracesPerSecond, Incidents incidents, Clock clock) {
    this.clock = clock;
    this.incidents = incidents;
    this.tracesPerSecond = tracesPerSecond;
    for (String service : new String[] {"trading-bot", "ai-engine", "execution", "risk-safety",
        "portfolio-intelligence", "rl-training", "clm", "eventbus-bridge", "position-monitor",
        "ingestion", "processor", "storage", "market-maker"}) {
      SdkTracerProvider provider = SdkTracerProvider.builder()
          .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
              AttributeKey.stringKey("service.name"), service,
              AttributeKey.stringKey("service.namespace"), "demo",
              AttributeKey.stringKey("deployment.environment.name"), "demo"))))
          .setSampler(service.equals("portfolio-intelligence") ? new ThresholdSampler(PORTFOLIO_SAMPLING)
              : Sampler.parentBased(Sampler.alwaysOn()))
          .addSpanProcessor(processor.get())
          .build();
      providers.put(service, provider);
      tracers.put(service, provider.get("io.tracestream.demo"));
    }
  }

  /**
   * Starts sending {@code tracesPerSecond} traces per second (spread over the flows, counted before
   * portfolio-intelligence's sampling) as OTLP/HTTP protobuf to {@code otlpHttpEndpoint}, such as
   * {@code http://127.0.0.1:4318/v1/traces}, until closed. (HTTP, sent with the JDK's client: the gRPC
   * exporter would bring OkHttp and Kotlin into the jar.)
   */
  public static DemoTraffic start(String otlpHttpEndpoint, double tracesPerSecond, Incidents incidents) {
    if (tracesPerSecond <= 0) {
      throw new IllegalArgumentException("tracesPerSecond must be positive, got " + tracesPerSecond);
    }
    DemoTraffic demo = new DemoTraffic(() -> BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
        .setEndpoint(otlpHttpEndpoint).build()).setScheduleDelay(Duration.ofMillis(500)).build(),
        tracesPerSecond, incidents, Clock.systemUTC());
    demo.scheduler.scheduleAtFixedRate(demo::tick, 0, 100, TimeUnit.MILLISECONDS);
    return demo;
  }

  private void tick() {
    try {
      owed += tracesPerSecond / 10;
      for (; owed >= 1; owed--) {
        Instant now = clock.instant();
        double pick = random.nextDouble();
        if (pick < 0.45) {
          trade(now);
        } else if (pick < 0.65) {
          marketData(now);
        } else if (pick < 0.85) {
          portfolio(now);
        } else if (pick < 0.95) {
          quotes(now);
        } else {
          training(now);
        }
      }
    } catch (RuntimeException e) {
      // the demo must keep going whatever one trace does; the SDK reports export failures itself
    }
  }

  /** trading-bot POST /api/trade → ai-engine, risk-safety, execution (→ exchange, PostgreSQL, eventbus-bridge). */
  void trade(Instant start) {
    boolean incident = incidents.activeAt(start);
    Call root = Call.root(this, "trading-bot", "POST /api/trade", start);
    Instant t = root.serverStart.plusMillis(1);
    Call predict = root.http("ai-engine", "POST /predict", t, incident ? 8 : 1, 0.01);
    predict.server.child("GET features", SpanKind.CLIENT, predict.serverStart.plusMillis(1),
        lognormal(1.5, 0.4), 0.001, Attributes.of(DB_SYSTEM, "redis", SERVER_ADDRESS, "redis.demo"));
    predict.end(lognormal(25, 0.5));
    t = predict.clientEnd;
    Call risk = root.http("risk-safety", "POST /check", t, 1, 0.01);
    risk.server.child("SELECT limits", SpanKind.CLIENT, risk.serverStart.plusMillis(1), lognormal(3, 0.5), 0.002,
        Attributes.of(DB_SYSTEM, "postgresql", DB_NAME, "risk"));
    risk.end(lognormal(8, 0.4));
    t = risk.clientEnd;
    Call orders = root.http("execution", "POST /orders", t, 1, 0.01);
    Instant u = orders.serverStart.plusMillis(1);
    u = orders.server.child("POST /v3/order", SpanKind.CLIENT, u, lognormal(80, 0.6), incident ? 0.5 : 0.01,
        Attributes.of(SERVER_ADDRESS, "api.exchange.example", HTTP_METHOD, "POST"));
    u = orders.server.child("INSERT orders", SpanKind.CLIENT, u, lognormal(4, 0.5), 0.002,
        Attributes.of(DB_SYSTEM, "postgresql", DB_NAME, "orders"));
    Call publish = orders.http("eventbus-bridge", "POST /publish", u, 1, 0.005);
    publish.end(lognormal(3, 0.3));
    orders.end(Duration.between(orders.serverStart, publish.clientEnd).toNanos() / 1e6 + 1);
    root.end(Duration.between(root.serverStart, orders.clientEnd).toNanos() / 1e6 + 2);
  }

  /**
   * ingestion POST /ticks → Kafka ticks.raw → processor (INTERNAL process_message under the PRODUCER span,
   * from the headers) → Kafka ticks.enriched → storage (CONSUMER) → PostgreSQL.
   */
  void marketData(Instant start) {
    Call root = Call.root(this, "ingestion", "POST /ticks", start);
    Map<String, String> headers = root.publish("ticks.raw", root.serverStart.plusMillis(1));
    Instant consumed = root.serverStart.plusMillis(5 + random.nextInt(20));
    Call process = Call.continueFromHeaders(this, "processor", "ticks.raw", headers, consumed);
    Instant enriched = process.server.child("enrich", SpanKind.INTERNAL, process.serverStart.plusMillis(1),
        lognormal(6, 0.5), 0.005, Attributes.empty());
    Map<String, String> next = process.publish("ticks.enriched", enriched);
    process.end(Duration.between(process.serverStart, enriched).toNanos() / 1e6 + 2);
    Call store = Call.consume(this, "storage", "ticks.enriched", next, enriched.plusMillis(5 + random.nextInt(20)));
    Instant written = store.server.child("INSERT ticks", SpanKind.CLIENT, store.serverStart.plusMillis(1),
        lognormal(5, 0.6), 0.003, Attributes.of(DB_SYSTEM, "postgresql", DB_NAME, "marketdata"));
    store.end(Duration.between(store.serverStart, written).toNanos() / 1e6 + 1);
    root.end(3);
  }

  /** portfolio-intelligence GET /portfolio → position-monitor (PostgreSQL) and clm. */
  void portfolio(Instant start) {
    Call root = Call.root(this, "portfolio-intelligence", "GET /portfolio", start);
    Call positions = root.http("position-monitor", "GET /positions", root.serverStart.plusMillis(1), 1, 0.01);
    positions.server.child("SELECT positions", SpanKind.CLIENT, positions.serverStart.plusMillis(1),
        lognormal(6, 0.5), 0.002, Attributes.of(DB_SYSTEM, "postgresql", DB_NAME, "positions"));
    positions.end(lognormal(12, 0.4));
    Call customer = root.http("clm", "GET /customer", positions.clientEnd, 1, 0.01);
    customer.end(lognormal(15, 0.5));
    root.end(Duration.between(root.serverStart, customer.clientEnd).toNanos() / 1e6 + 2);
  }

  /**
   * market-maker's quote client library: the call is an INTERNAL api_request, each attempt a nested
   * INTERNAL api_request (older HTTP attribute names) whose context the library puts in the request's
   * headers, so execution's SERVER span is its child; a failed attempt is retried, up to three.
   */
  void quotes(Instant start) {
    Tracer tracer = tracers.get("market-maker");
    Span call = tracer.spanBuilder("api_request").setSpanKind(SpanKind.INTERNAL).setStartTimestamp(start)
        .startSpan();
    Context context = Context.root().with(call);
    Instant t = start.plusMillis(1);
    boolean failed = true;
    for (int attempt = 0; attempt < 3 && failed; attempt++) {
      Span request = tracer.spanBuilder("api_request").setSpanKind(SpanKind.INTERNAL).setParent(context)
          .setAttribute(OLD_HTTP_METHOD, "GET").setAttribute(OLD_HTTP_URL, "http://execution.demo:8080/quotes")
          .setStartTimestamp(t).startSpan();
      Call get = Call.httpWithoutClientSpan(this, context.with(request), "execution", "GET /quotes",
          t.plusMillis(1), 0.03);
      failed = get.end(lognormal(7, 0.5));
      if (failed) {
        request.setStatus(StatusCode.ERROR, "HTTP 500");
      }
      request.setAttribute(OLD_HTTP_STATUS, failed ? 500L : 200L);
      request.end(get.clientEnd.plusMillis(1));
      t = get.clientEnd.plusMillis(failed ? 21 : 2);
    }
    if (failed) {
      call.setStatus(StatusCode.ERROR, "retries exhausted");
    }
    call.end(t);
  }

  /** rl-training's training step (a root INTERNAL span) reloads ai-engine's model. */
  void training(Instant start) {
    Span step = tracers.get("rl-training").spanBuilder("train-step").setSpanKind(SpanKind.INTERNAL)
        .setStartTimestamp(start).startSpan();
    Instant t = start.plusMillis((long) lognormal(40, 0.3));
    Call reload = Call.http(this, "rl-training", Context.root().with(step), "ai-engine", "POST /model/reload", t,
        1, 0.02);
    reload.end(lognormal(30, 0.4));
    step.end(reload.clientEnd.plusMillis(1));
  }

  double lognormal(double medianMs, double sigma) {
    return medianMs * Math.exp(sigma * gaussian());
  }

  private double gaussian() {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  boolean fails(double probability) {
    return random.nextDouble() < probability;
  }

  Tracer tracer(String service) {
    return tracers.get(service);
  }

  /** Flushes what was sent and stops. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    providers.values().forEach(p -> p.shutdown().join(10, TimeUnit.SECONDS));
  }

  static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  static Context extract(Map<String, String> headers) {
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
  }
}
