package io.tracestream.testkit;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Export requests shaped like what an OTel Collector batches from a small shop: a fixed number of spans
 * per request, spread over traces of 5 to 50 spans that cross three services, each service a resource
 * with {@code service.name} and fifteen more attributes, spans with 10 to 20 semantic-convention
 * attributes and a few errors with an exception event. Seeded, so every run sends the same bytes.
 */
public final class RealisticSpans {
  private static final String[] SERVICES = {"frontend", "checkout", "payment"};
  private static final int MIN_TRACE = 5;
  private static final int MAX_TRACE = 50;
  private static final double ERROR_RATE = 0.03;

  private final SplittableRandom random;
  private final List<Resource> resources = new ArrayList<>();
  private final long baseNanos;

  private RealisticSpans(long seed, Instant base) {
    random = new SplittableRandom(seed);
    baseNanos = TimeUnit.SECONDS.toNanos(base.getEpochSecond()) + base.getNano();
    for (int i = 0; i < SERVICES.length; i++) {
      resources.add(resource(SERVICES[i], i));
    }
  }

  /** {@code count} requests of {@code spansPerRequest} spans each, traces starting in the 30 s before now. */
  public static List<ExportTraceServiceRequest> generate(int count, int spansPerRequest, long seed) {
    return generate(count, spansPerRequest, seed, Instant.now());
  }

  /**
   * {@code count} requests of {@code spansPerRequest} spans each, traces starting in the 30 s before
   * {@code base} (and ending up to 2 s after it).
   */
  public static List<ExportTraceServiceRequest> generate(int count, int spansPerRequest, long seed, Instant base) {
    RealisticSpans generator = new RealisticSpans(seed, base);
    List<ExportTraceServiceRequest> requests = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      requests.add(generator.request(spansPerRequest));
    }
    return requests;
  }

  private ExportTraceServiceRequest request(int spans) {
    // resource -> scope name -> spans, in the order a Collector batch would hold them
    List<Map<String, ScopeSpans.Builder>> scopes = new ArrayList<>();
    resources.forEach(r -> scopes.add(new LinkedHashMap<>()));
    int left = spans;
    while (left > 0) {
      int size = Math.min(random.nextInt(MIN_TRACE, MAX_TRACE + 1), left);
      if (left - size > 0 && left - size < MIN_TRACE) {
        size = left <= MAX_TRACE ? left : left - MIN_TRACE;
      }
      trace(size, scopes);
      left -= size;
    }
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (int r = 0; r < resources.size(); r++) {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder()
          .setResource(resources.get(r))
          .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
      scopes.get(r).values().forEach(rs::addScopeSpans);
      if (rs.getScopeSpansCount() > 0) {
        request.addResourceSpans(rs);
      }
    }
    return request.build();
  }

  private void trace(int size, List<Map<String, ScopeSpans.Builder>> scopes) {
    ByteString traceId = randomId(16);
    List<Span> trace = new ArrayList<>(size);
    List<Integer> services = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      int service;
      Span parent;
      Template template;
      if (i == 0) {
        service = 0; // the trace enters at the frontend
        parent = null;
        template = Template.HTTP_SERVER;
      } else {
        int p = random.nextInt(i);
        parent = trace.get(p);
        service = random.nextInt(10) < 7 ? services.get(p) : random.nextInt(SERVICES.length);
        template = service == services.get(p) ? Template.child(random) : Template.RPC_SERVER;
      }
      Span span = span(traceId, parent, template, SERVICES[service]);
      trace.add(span);
      services.add(service);
      scopes.get(service)
          .computeIfAbsent(template.scope, name -> ScopeSpans.newBuilder()
              .setScope(InstrumentationScope.newBuilder().setName(name).setVersion("2.10.0-alpha")))
          .addSpans(span);
    }
  }

  private Span span(ByteString traceId, Span parent, Template template, String service) {
    long start;
    long duration;
    if (parent == null) {
      start = baseNanos - random.nextLong(TimeUnit.SECONDS.toNanos(30));
      duration = logUniform(TimeUnit.MILLISECONDS.toNanos(5), TimeUnit.SECONDS.toNanos(2));
    } else {
      long parentDuration = parent.getEndTimeUnixNano() - parent.getStartTimeUnixNano();
      start = parent.getStartTimeUnixNano() + random.nextLong(Math.max(1, parentDuration / 2));
      duration = Math.max(20_000, (long) (parentDuration * random.nextDouble(0.05, 0.5)));
    }
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(randomId(8))
        .setName(template.name(random, service))
        .setKind(template.kind)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + duration)
        .setFlags(0x101); // sampled, context-has-is-remote known
    if (parent != null) {
      span.setParentSpanId(parent.getSpanId());
    }
    int attributes = random.nextInt(10, 21);
    template.attributes(random, span, service);
    Filler[] fillers = Filler.values(); // more than any template leaves to fill, so no key repeats
    for (int i = random.nextInt(fillers.length); span.getAttributesCount() < attributes; i++) {
      span.addAttributes(fillers[i % fillers.length].attribute(random));
    }
    if (random.nextDouble() < ERROR_RATE) {
      String message = "deadline exceeded after " + random.nextInt(100, 5000) + "ms";
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage(message))
          .addEvents(Span.Event.newBuilder()
              .setName("exception")
              .setTimeUnixNano(start + duration - 1000)
              .addAttributes(kv("exception.type", "io.grpc.StatusRuntimeException"))
              .addAttributes(kv("exception.message", "DEADLINE_EXCEEDED: " + message))
              .addAttributes(kv("exception.stacktrace", "io.grpc.StatusRuntimeException: DEADLINE_EXCEEDED\n"
                  + "\tat io.grpc.stub.ClientCalls.toStatusRuntimeException(ClientCalls.java:268)\n"
                  + "\tat shop." + service + ".Handler.handle(Handler.java:" + random.nextInt(40, 400) + ")\n")));
    } else if (random.nextInt(10) == 0) {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
    }
    return span.build();
  }

  private Resource resource(String service, int index) {
    String pod = service + "-" + Long.toHexString(random.nextLong()).substring(0, 10) + "-x7k2p";
    return Resource.newBuilder()
        .addAttributes(kv("service.name", service))
        .addAttributes(kv("service.namespace", "shop"))
        .addAttributes(kv("service.version", "1." + (4 + index) + ".2"))
        .addAttributes(kv("service.instance.id", pod))
        .addAttributes(kv("deployment.environment.name", "production"))
        .addAttributes(kv("host.name", "node-" + (3 + index) + ".eu-west-1.compute.internal"))
        .addAttributes(kv("host.arch", "amd64"))
        .addAttributes(kv("os.type", "linux"))
        .addAttributes(kv("process.pid", 1))
        .addAttributes(kv("process.runtime.name", "OpenJDK Runtime Environment"))
        .addAttributes(kv("process.runtime.version", "21.0.5+11-LTS"))
        .addAttributes(kv("k8s.namespace.name", "shop"))
        .addAttributes(kv("k8s.pod.name", pod))
        .addAttributes(kv("telemetry.sdk.name", "opentelemetry"))
        .addAttributes(kv("telemetry.sdk.language", "java"))
        .addAttributes(kv("telemetry.sdk.version", "1.44.1"))
        .build();
  }

  private ByteString randomId(int bytes) {
    byte[] id = new byte[bytes];
    random.nextBytes(id);
    id[0] |= 1; // never the all-zero id, which the splitter rejects
    return ByteString.copyFrom(id);
  }

  private long logUniform(long min, long max) {
    return (long) Math.exp(random.nextDouble(Math.log(min), Math.log(max)));
  }

  static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  static KeyValue kv(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }

  static KeyValue kv(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
  }

  private static <T> T pick(SplittableRandom random, T[] values) {
    return values[random.nextInt(values.length)];
  }

  /** What a span is, with the attributes its instrumentation sets (OTel semantic conventions). */
  private enum Template {
    HTTP_SERVER(SpanKind.SPAN_KIND_SERVER, "io.opentelemetry.spring-webmvc-6.0"),
    HTTP_CLIENT(SpanKind.SPAN_KIND_CLIENT, "io.opentelemetry.java-http-client"),
    RPC_SERVER(SpanKind.SPAN_KIND_SERVER, "io.opentelemetry.grpc-1.6"),
    DB_CLIENT(SpanKind.SPAN_KIND_CLIENT, "io.opentelemetry.jdbc"),
    CACHE_CLIENT(SpanKind.SPAN_KIND_CLIENT, "io.opentelemetry.lettuce-5.1"),
    PRODUCER(SpanKind.SPAN_KIND_PRODUCER, "io.opentelemetry.kafka-clients-2.6"),
    CONSUMER(SpanKind.SPAN_KIND_CONSUMER, "io.opentelemetry.kafka-clients-2.6"),
    INTERNAL(SpanKind.SPAN_KIND_INTERNAL, "io.opentelemetry.methods");

    private static final String[] ROUTES = {"/api/cart", "/api/cart/{id}", "/api/checkout", "/api/products/{id}",
        "/api/products", "/api/orders/{id}", "/api/recommendations", "/api/currency/convert"};
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    private static final String[] RPCS = {"GetCart", "PlaceOrder", "Charge", "Refund", "GetQuote", "ListProducts"};
    private static final String[] TABLES = {"orders", "order_items", "customers", "products", "payments"};
    private static final String[] DB_OPS = {"SELECT", "SELECT", "SELECT", "INSERT", "UPDATE"};
    private static final String[] TOPICS = {"orders.placed", "payments.settled", "stock.reserved"};
    private static final String[] FUNCTIONS = {"validate", "computeTotals", "applyDiscounts", "render", "mapToDto"};

    final SpanKind kind;
    final String scope;

    Template(SpanKind kind, String scope) {
      this.kind = kind;
      this.scope = scope;
    }

    /** A span under a parent of the same service. */
    static Template child(SplittableRandom random) {
      int r = random.nextInt(100);
      if (r < 30) {
        return DB_CLIENT;
      } else if (r < 45) {
        return CACHE_CLIENT;
      } else if (r < 60) {
        return HTTP_CLIENT;
      } else if (r < 67) {
        return PRODUCER;
      } else if (r < 72) {
        return CONSUMER;
      }
      return INTERNAL;
    }

    String name(SplittableRandom random, String service) {
      return switch (this) {
        case HTTP_SERVER, HTTP_CLIENT -> pick(random, METHODS) + (this == HTTP_SERVER ? " " + pick(random, ROUTES) : "");
        case RPC_SERVER -> "shop." + service + ".v1." + Character.toUpperCase(service.charAt(0))
            + service.substring(1) + "Service/" + pick(random, RPCS);
        case DB_CLIENT -> pick(random, DB_OPS) + " shop." + pick(random, TABLES);
        case CACHE_CLIENT -> random.nextBoolean() ? "GET" : "SETEX";
        case PRODUCER -> pick(random, TOPICS) + " publish";
        case CONSUMER -> pick(random, TOPICS) + " process";
        case INTERNAL -> service.substring(0, 1).toUpperCase() + service.substring(1) + "Handler."
            + pick(random, FUNCTIONS);
      };
    }

    void attributes(SplittableRandom random, Span.Builder span, String service) {
      switch (this) {
        case HTTP_SERVER -> {
          String route = pick(random, ROUTES);
          span.addAttributes(kv("http.request.method", span.getName().split(" ")[0]))
              .addAttributes(kv("http.route", route))
              .addAttributes(kv("url.path", route.replace("{id}", Integer.toString(random.nextInt(1, 99999)))))
              .addAttributes(kv("url.scheme", "https"))
              .addAttributes(kv("http.response.status_code", random.nextInt(100) < 97 ? 200 : 503))
              .addAttributes(kv("server.address", "shop.example.com"))
              .addAttributes(kv("server.port", 443))
              .addAttributes(kv("network.protocol.version", "1.1"))
              .addAttributes(kv("client.address", "10.42." + random.nextInt(256) + "." + random.nextInt(256)))
              .addAttributes(kv("user_agent.original",
                  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"));
        }
        case HTTP_CLIENT -> span.addAttributes(kv("http.request.method", span.getName()))
            .addAttributes(kv("url.full", "http://inventory.shop.svc:8080/api/stock/" + random.nextInt(1, 99999)))
            .addAttributes(kv("server.address", "inventory.shop.svc"))
            .addAttributes(kv("server.port", 8080))
            .addAttributes(kv("http.response.status_code", 200))
            .addAttributes(kv("network.protocol.version", "1.1"));
        case RPC_SERVER -> span.addAttributes(kv("rpc.system", "grpc"))
            .addAttributes(kv("rpc.service", span.getName().substring(0, span.getName().indexOf('/'))))
            .addAttributes(kv("rpc.method", span.getName().substring(span.getName().indexOf('/') + 1)))
            .addAttributes(kv("rpc.grpc.status_code", 0))
            .addAttributes(kv("server.address", service + ".shop.svc"))
            .addAttributes(kv("server.port", 50051))
            .addAttributes(kv("network.peer.address", "10.42." + random.nextInt(256) + "." + random.nextInt(256)))
            .addAttributes(kv("network.type", "ipv4"));
        case DB_CLIENT -> {
          String[] words = span.getName().split(" ");
          span.addAttributes(kv("db.system.name", "postgresql"))
              .addAttributes(kv("db.namespace", "shop"))
              .addAttributes(kv("db.operation.name", words[0]))
              .addAttributes(kv("db.collection.name", words[1]))
              .addAttributes(kv("db.query.text", words[0].equals("SELECT")
                  ? "SELECT id, customer_id, status, total, created_at FROM " + words[1] + " WHERE id = ?"
                  : words[0] + " " + words[1] + " SET status = ?, updated_at = ? WHERE id = ?"))
              .addAttributes(kv("server.address", "postgres.shop.svc"))
              .addAttributes(kv("server.port", 5432))
              .addAttributes(kv("db.response.returned_rows", random.nextInt(0, 50)));
        }
        case CACHE_CLIENT -> span.addAttributes(kv("db.system.name", "redis"))
            .addAttributes(kv("db.operation.name", span.getName()))
            .addAttributes(kv("db.query.text", span.getName() + " cart:" + random.nextInt(1, 99999)))
            .addAttributes(kv("server.address", "redis.shop.svc"))
            .addAttributes(kv("server.port", 6379));
        case PRODUCER, CONSUMER -> span.addAttributes(kv("messaging.system", "kafka"))
            .addAttributes(kv("messaging.destination.name", span.getName().split(" ")[0]))
            .addAttributes(kv("messaging.operation.type", this == PRODUCER ? "send" : "process"))
            .addAttributes(kv("messaging.destination.partition.id", Integer.toString(random.nextInt(12))))
            .addAttributes(kv("messaging.kafka.message.key", "order-" + random.nextInt(1, 999999)))
            .addAttributes(kv("messaging.kafka.offset", random.nextLong(1_000_000_000L)))
            .addAttributes(kv("messaging.client.id", service + "-producer-1"));
        case INTERNAL -> span.addAttributes(kv("code.function.name", span.getName()))
            .addAttributes(kv("code.file.path", span.getName().split("\\.")[0] + ".java"))
            .addAttributes(kv("code.line.number", random.nextInt(20, 800)));
      }
    }
  }

  /** Attributes that instrumentation and application code add to any span, to reach 10 to 20. */
  private enum Filler {
    THREAD_ID, THREAD_NAME, USER_ID, TENANT, SESSION, CART_ITEMS, CACHE_HIT, RETRIES, REGION, PRIORITY,
    FEATURE_FLAG, SAMPLE_RATE, REQUEST_ID, BUILD, ZONE, CURRENCY, AMOUNT, LOCALE, EXPERIMENT, CHANNEL;

    KeyValue attribute(SplittableRandom random) {
      return switch (this) {
        case THREAD_ID -> kv("thread.id", random.nextInt(20, 400));
        case THREAD_NAME -> kv("thread.name", "http-nio-8080-exec-" + random.nextInt(1, 200));
        case USER_ID -> kv("enduser.id", "u-" + Long.toHexString(random.nextLong()));
        case TENANT -> kv("app.tenant", "tenant-" + random.nextInt(1, 40));
        case SESSION -> kv("session.id", Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()));
        case CART_ITEMS -> kv("app.cart.items", random.nextInt(0, 30));
        case CACHE_HIT -> kv("app.cache.hit", random.nextBoolean());
        case RETRIES -> kv("app.retry.count", random.nextInt(0, 3));
        case REGION -> kv("cloud.region", "eu-west-1");
        case PRIORITY -> kv("app.request.priority", random.nextBoolean() ? "normal" : "high");
        case FEATURE_FLAG -> kv("feature_flag.key", "new-checkout-flow");
        case SAMPLE_RATE -> kv("app.sample.rate", 1.0);
        case REQUEST_ID -> kv("app.request.id", Long.toHexString(random.nextLong()));
        case BUILD -> kv("app.build", "2024.11." + random.nextInt(1, 30));
        case ZONE -> kv("cloud.availability_zone", "eu-west-1" + (char) ('a' + random.nextInt(3)));
        case CURRENCY -> kv("app.currency", random.nextBoolean() ? "EUR" : "USD");
        case AMOUNT -> kv("app.order.amount", Math.round(random.nextDouble(1, 900) * 100) / 100.0);
        case LOCALE -> kv("app.locale", random.nextBoolean() ? "en-GB" : "de-DE");
        case EXPERIMENT -> kv("app.experiment.variant", random.nextBoolean() ? "control" : "treatment");
        case CHANNEL -> kv("app.channel", random.nextBoolean() ? "web" : "mobile");
      };
    }
  }
}
