package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import io.tracestream.testkit.SpanGenerator;
import io.tracestream.testkit.TopicReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17, the memory budget measured: the bridge with its defaults ({@code bridge.memory.budget} 25% of
 * the heap) in a child JVM with 256 MiB of heap, its forward pointed at a target that accepts connections
 * and never answers, takes every attack on request memory from {@value #ATTACKERS} clients at once, for
 * {@code -Dbudget.rounds} rounds (2), while a well-behaved client sends valid requests over HTTP and gRPC
 * in turn, retrying a 503 / UNAVAILABLE at once as an OTLP SDK would after its delay. The bridge must not
 * run out of memory, each attack must get one of its documented answers, every good request 200 / OK (at
 * most {@value #GOOD_RETRIES} retries), every good span must be on the topic, and the budget must be given
 * back in full once the forward calls time out. The figures go to {@code target/reliability/memory-budget.md}, and with
 * {@code -Dreliability.write=true -Dreliability.doc=../docs/SECURITY.md} to the doc.
 */
class MemoryBudgetIT {
  private static final String HEAP = System.getProperty("budget.heap", "256m");
  private static final int ATTACKERS = 8;
  private static final int ROUNDS = Integer.getInteger("budget.rounds", 2);
  /**
   * The heap a full GC may leave of the bridge: about 40 MiB of its own, the budget (64 MiB), the producer's
   * buffer.memory (32 MiB) and a margin for the estimates.
   */
  private static final long HEAP_AFTER_FULL_GC_BOUND_MIB = 160;
  private static final int CONCURRENT_CALLS = 4;
  private static final int GOOD_RETRIES = 20;
  private static final String TOPIC = "memory-budget-spans";
  private static final String PROTOBUF = "application/x-protobuf";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Path DIR = Path.of("target", "memory-budget");

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** One attack: its name, its answer when alone, the answers the docs allow under load, how to send it. */
  private record Attack(String name, String alone, Set<String> allowed, Sender send) {}

  @FunctionalInterface
  private interface Sender {
    List<String> send(BridgeProcess bridge, ManagedChannel channel) throws Exception;
  }

  @Test
  void attacksOnRequestMemoryStayWithinTheBudgetWhileAGoodClientIsServed() throws Exception {
    KAFKA.createTopics(4, TOPIC);
    Path gcLog = DIR.resolve("gc.log");
    Files.createDirectories(DIR);
    Files.deleteIfExists(gcLog);
    List<Attack> attacks = attacks();
    long started = System.nanoTime();
    try (ServerSocket blackHole = new ServerSocket(0, 1000); // accepts connections (backlog), never answers
        BridgeProcess bridge = BridgeProcess.start(
            List.of("-Xms" + HEAP, "-Xmx" + HEAP, "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + gcLog.toAbsolutePath()),
            Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(), "topic.spans", TOPIC,
                "bridge.kafka.health.interval", "5s", "bridge.kafka.ack.timeout", "30s",
                "bridge.forward.otlp.endpoint", "http://127.0.0.1:" + blackHole.getLocalPort(),
                "bridge.forward.timeout", "20s", "bridge.grpc.read.timeout", "20s"),
            DIR.resolve("bridge.log"))) {
      Await.until(Duration.ofSeconds(60), "bridge ready", () -> status(admin(bridge, "/health/ready")) == 200);
      // Given each attack alone gets its answer for a budget that is free
      ManagedChannel first = channel(bridge);
      try {
        for (Attack attack : attacks) {
          assertThat(String.join(", ", answer(() -> attack.send().send(bridge, first)).stream().distinct().toList()))
              .as("%s, alone", attack.name()).isEqualTo(attack.alone());
        }
      } finally {
        first.shutdownNow();
      }
      Await.until(Duration.ofMinutes(1), "bridge.memory.budget given back after the attacks alone",
          () -> gauge(admin(bridge, "/metrics"), "tracestream_bridge_memory_used_bytes") == 0);
      ExecutorService pool = Executors.newCachedThreadPool();
      AtomicBoolean attacking = new AtomicBoolean(true);
      Map<String, Map<String, Long>> answers = new ConcurrentHashMap<>();
      List<String> wrong = Collections.synchronizedList(new ArrayList<>());
      Sampler sampler = new Sampler(bridge);
      try {
        // And a well-behaved client sending valid requests over HTTP and gRPC in turn
        GoodClient good = new GoodClient(bridge);
        CompletableFuture<Void> goodDone = CompletableFuture.runAsync(() -> good.run(attacking), pool);
        CompletableFuture<Void> sampling = CompletableFuture.runAsync(() -> sampler.run(attacking), pool);
        // When 8 clients send every attack at once, each starting at a different one
        List<CompletableFuture<Void>> attackers = new ArrayList<>();
        for (int c = 0; c < ATTACKERS; c++) {
          int client = c;
          attackers.add(CompletableFuture.runAsync(() -> {
            ManagedChannel channel = channel(bridge);
            try {
              for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < attacks.size(); i++) {
                  Attack attack = attacks.get((i + client) % attacks.size());
                  for (String got : answer(() -> attack.send().send(bridge, channel))) {
                    answers.computeIfAbsent(attack.name(), k -> new ConcurrentHashMap<>()).merge(got, 1L, Long::sum);
                    if (!attack.allowed().contains(got)) {
                      wrong.add(attack.name() + ": " + got);
                    }
                  }
                }
              }
            } finally {
              channel.shutdownNow();
            }
          }, pool));
        }
        CompletableFuture.allOf(attackers.toArray(CompletableFuture[]::new)).get(15, TimeUnit.MINUTES);
        attacking.set(false);
        goodDone.get(2, TimeUnit.MINUTES);
        sampling.get(1, TimeUnit.MINUTES);

        // Then the bridge is alive and never ran out of memory
        assertThat(bridge.alive()).as("bridge alive; its log:\n%s", bridge.log()).isTrue();
        assertThat(bridge.log()).doesNotContainPattern("OutOf\\w*MemoryError");
        // And every attack got a documented answer, every good request 200 / OK
        assertThat(wrong).as("answers other than documented").isEmpty();
        assertThat(good.answers).isNotEmpty();
        assertThat(good.answers.stream().filter(a -> !a.equals("200") && !a.equals("OK")).toList())
            .as("good requests not answered 200 / OK, of %d", good.answers.size()).isEmpty();
        // And every good span is on the topic
        List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC,
            Duration.ofMinutes(2), r -> good.spanIdsIn(r).containsAll(good.sentSpanIds));
        assertThat(good.spanIdsIn(records)).containsAll(good.sentSpanIds);
        // And the budget is given back in full once the forward calls to the silent target have timed out
        Await.until(Duration.ofMinutes(1), "bridge.memory.budget given back",
            () -> gauge(admin(bridge, "/metrics"), "tracestream_bridge_memory_used_bytes") == 0);
        // And a full GC during the attack, with half the budget or more held, left the heap under its bound
        assertThat(sampler.budgetUsedAtFullGc).as("a full GC while half the budget was held").isPositive();
        assertThat(Gc.of(read(gcLog)).maxFullAfterMiB()).isLessThanOrEqualTo(HEAP_AFTER_FULL_GC_BOUND_MIB);
        // And so does one at the end
        int fullBefore = Gc.of(read(gcLog)).full();
        jcmd(bridge.pid(), "GC.run");
        Await.until(Duration.ofSeconds(30), "the forced full GC in the log",
            () -> Gc.of(read(gcLog)).full() > fullBefore);
        Gc gc = Gc.of(read(gcLog));
        assertThat(gc.lastFullAfterMiB).isLessThanOrEqualTo(HEAP_AFTER_FULL_GC_BOUND_MIB);

        String metrics = admin(bridge, "/metrics").body();
        Files.writeString(DIR.resolve("heap-info.txt"), jcmd(bridge.pid(), "GC.heap_info"));
        report(attacks, answers, good, sampler, gc, metrics, (System.nanoTime() - started) / 1e9);
      } finally {
        attacking.set(false);
        pool.shutdownNow();
      }
    }
  }

  private List<Attack> attacks() {
    byte[] copies = resourceCopies(64 << 10, 30_000).toByteArray();
    byte[] emptyObjects = emptyObjects(5_000_000);
    byte[] bigCall = bigAttribute(8 << 20).toByteArray();
    byte[] forwardFill = new SpanGenerator(17).request(400, 50, 2).toByteArray();
    return List.of(
        new Attack(String.format("HTTP protobuf, a 64 KiB resource and 30,000 one-span traces (%.1f MB)",
            copies.length / 1e6), "413", Set.of("413", "503"), (b, c) -> List.of(post(b, PROTOBUF, copies))),
        new Attack(String.format("gRPC, the same %.1f MB", copies.length / 1e6), "RESOURCE_EXHAUSTED",
            Set.of("RESOURCE_EXHAUSTED", "UNAVAILABLE"), (b, c) -> List.of(export(c, copies))),
        new Attack(String.format("HTTP OTLP/JSON, 5 million empty objects (%.1f MiB)", emptyObjects.length / 1048576.0),
            "413", Set.of("413", "503"), (b, c) -> List.of(post(b, "application/json", emptyObjects))),
        new Attack(CONCURRENT_CALLS + " concurrent gRPC calls of " + (bigCall.length >> 20)
            + " MiB (one span with an 8 MiB attribute) on one connection",
            "OK partial 1", Set.of("OK partial 1", "UNAVAILABLE"), (b, c) -> concurrently(c, bigCall)),
        new Attack("gRPC call sending 48 KB of an announced 8 MiB message, then nothing", "RST_STREAM CANCEL",
            Set.of("RST_STREAM CANCEL"), (b, c) -> List.of(stalledCall(b))),
        new Attack(String.format("HTTP valid %.1f MB (20,000 spans), forwarded to a target that never answers",
            forwardFill.length / 1e6), "200", Set.of("200", "503"), (b, c) -> List.of(post(b, PROTOBUF, forwardFill))));
  }

  /** The well-behaved client: small valid requests, HTTP and gRPC in turn, until the attackers are done. */
  private static final class GoodClient {
    final BridgeProcess bridge;
    final List<String> answers = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong retries = new AtomicLong();
    final Set<String> sentSpanIds = ConcurrentHashMap.newKeySet();
    final Set<String> traceIds = ConcurrentHashMap.newKeySet();

    GoodClient(BridgeProcess bridge) {
      this.bridge = bridge;
    }

    void run(AtomicBoolean attacking) {
      ManagedChannel channel = channel(bridge);
      SpanGenerator spans = new SpanGenerator(3);
      try {
        while (attacking.get() || answers.size() < 2) {
          ExportTraceServiceRequest request = spans.request(4, 5, 3);
          byte[] body = request.toByteArray();
          boolean http = answers.size() % 2 == 0;
          String got = answer(() -> List.of(http ? post(bridge, PROTOBUF, body) : export(channel, body))).get(0);
          for (int retry = 0; retry < GOOD_RETRIES && (got.equals("503") || got.equals("UNAVAILABLE")); retry++) {
            retries.incrementAndGet();
            got = answer(() -> List.of(http ? post(bridge, PROTOBUF, body) : export(channel, body))).get(0);
          }
          answers.add(got);
          if (got.equals("200") || got.equals("OK")) {
            request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList()
                .forEach(span -> {
                  sentSpanIds.add(TraceIds.toHex(span.getSpanId()));
                  traceIds.add(TraceIds.toHex(span.getTraceId()));
                })));
          }
        }
      } finally {
        channel.shutdownNow();
      }
    }

    /** The span ids of the good client's records among {@code records} (keyed by trace id: others not parsed). */
    Set<String> spanIdsIn(List<ConsumerRecord<String, byte[]>> records) {
      Set<String> ids = new HashSet<>();
      TestBridges.spans(records.stream().filter(r -> traceIds.contains(r.key())).toList())
          .forEach(e -> ids.add(TraceIds.toHex(e.getValue().getSpanId())));
      return ids;
    }
  }

  private static List<String> answer(java.util.concurrent.Callable<List<String>> send) {
    try {
      return send.call();
    } catch (Exception e) {
      return List.of("no answer: " + e);
    }
  }

  private static String post(BridgeProcess bridge, String type, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.httpPort() + "/v1/traces"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", type)
        .timeout(Duration.ofMinutes(2)).build();
    HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() == 503 && response.headers().firstValue("Retry-After").isEmpty()) {
      return "503 without Retry-After";
    }
    return Integer.toString(response.statusCode());
  }

  private static String export(ManagedChannel channel, byte[] message) {
    try {
      byte[] answer = ClientCalls.blockingUnaryCall(channel, OtlpGrpcBytes.EXPORT,
          CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.MINUTES), message);
      long rejected = ExportTraceServiceResponse.parseFrom(answer).getPartialSuccess().getRejectedSpans();
      return rejected == 0 ? "OK" : "OK partial " + rejected;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode().name();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return "undecodable answer";
    }
  }

  /**
   * A call whose message never arrives whole, on its own connection: what arrives (48 KB, within the
   * connection's flow-control window, which this client does not track) is taken from the budget, and held
   * until {@code bridge.grpc.read.timeout} cancels the call.
   */
  private static String stalledCall(BridgeProcess bridge) throws Exception {
    try (RawHttp2 h2 = new RawHttp2(bridge.grpcPort())) {
      h2.handshake();
      h2.open(1);
      byte[] prefix = {0, 0, (byte) 0x80, 0, 0}; // an 8 MiB message
      h2.data(1, prefix);
      byte[] chunk = new byte[16_000];
      for (int i = 0; i < 3; i++) {
        h2.data(1, chunk);
      }
      h2.flush();
      if (!Await.holds(Duration.ofMinutes(1), () -> !h2.frames(RawHttp2.RST_STREAM).isEmpty())) {
        return "no RST_STREAM";
      }
      return h2.frames(RawHttp2.RST_STREAM).get(0).int32(0) == RawHttp2.CANCEL ? "RST_STREAM CANCEL"
          : "RST_STREAM " + h2.frames(RawHttp2.RST_STREAM).get(0).int32(0);
    }
  }

  private static List<String> concurrently(ManagedChannel channel, byte[] message) {
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> export(channel, message)));
    }
    return calls.stream().map(CompletableFuture::join).toList();
  }

  private static ManagedChannel channel(BridgeProcess bridge) {
    return NettyChannelBuilder.forAddress("127.0.0.1", bridge.grpcPort()).usePlaintext()
        .maxInboundMessageSize(1 << 20).build();
  }

  /** Scrapes /metrics while the attack runs: the most heap in use and the most of the budget held. */
  private static final class Sampler {
    private final BridgeProcess bridge;
    long maxHeapUsed;
    long maxBudgetUsed;
    long budgetUsedAtFullGc = -1;
    int samples;

    Sampler(BridgeProcess bridge) {
      this.bridge = bridge;
    }

    void run(AtomicBoolean attacking) {
      Await.until(Duration.ofMinutes(20), "the attack to end", () -> {
        HttpResponse<String> metrics = admin(bridge, "/metrics");
        if (metrics != null && metrics.statusCode() == 200) {
          Matcher heap = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\",[^}]*} (\\S+)$")
              .matcher(metrics.body());
          long used = 0;
          while (heap.find()) {
            used += (long) Double.parseDouble(heap.group(1));
          }
          maxHeapUsed = Math.max(maxHeapUsed, used);
          long budgetUsed = (long) gauge(metrics, "tracestream_bridge_memory_used_bytes");
          maxBudgetUsed = Math.max(maxBudgetUsed, budgetUsed);
          samples++;
          long budget = (long) gauge(metrics, "tracestream_bridge_memory_budget_bytes");
          if (budgetUsedAtFullGc < 0 && budgetUsed >= budget / 2) {
            budgetUsedAtFullGc = budgetUsed; // a full GC while the attack holds half the budget or more: live heap
            jcmd(bridge.pid(), "GC.run");
          }
        }
        return !attacking.get();
      });
    }
  }

  /** Figures of the GC log: pauses, full GCs, the heap after the last full GC and at most after one. */
  private record Gc(int pauses, int full, double longestMs, long maxBeforeMiB, long maxFullAfterMiB,
      long lastFullAfterMiB) {
    static Gc of(String log) {
      Matcher pause = Pattern.compile("GC\\(\\d+\\) (Pause [^\\n]*?) (\\d+)M->(\\d+)M\\((\\d+)M\\) ([\\d.]+)ms")
          .matcher(log);
      int pauses = 0;
      int full = 0;
      double longest = 0;
      long maxBefore = 0;
      long maxFullAfter = 0;
      long lastFullAfter = -1;
      while (pause.find()) {
        pauses++;
        maxBefore = Math.max(maxBefore, Long.parseLong(pause.group(2)));
        longest = Math.max(longest, Double.parseDouble(pause.group(5)));
        if (pause.group(1).startsWith("Pause Full")) {
          full++;
          lastFullAfter = Long.parseLong(pause.group(3));
          maxFullAfter = Math.max(maxFullAfter, lastFullAfter);
        }
      }
      return new Gc(pauses, full, longest, maxBefore, maxFullAfter, lastFullAfter);
    }
  }

  private static void report(List<Attack> attacks, Map<String, Map<String, Long>> answers, GoodClient good,
      Sampler sampler, Gc gc, String metrics, double seconds) {
    StringBuilder out = new StringBuilder()
        .append("| attack | answer alone | answers, ").append(ATTACKERS).append(" clients at once, ").append(ROUNDS)
        .append(" rounds |\n| --- | --- | --- |\n");
    for (Attack attack : attacks) {
      out.append("| ").append(attack.name()).append(" | ").append(attack.alone()).append(" | ")
          .append(new TreeMap<>(answers.getOrDefault(attack.name(), Map.of())).toString()
              .replaceAll("[{}]", "").replace("=", ": "))
          .append(" |\n");
    }
    out.append("\n| heap (`-Xms` = `-Xmx`, G1) | bridge.memory.budget | most of it held (MiB) | good requests"
            + " (all 200 / OK) | good requests retried after 503 / UNAVAILABLE | good spans on the topic"
            + " | OutOfMemoryError | GC pauses | full GCs"
            + " | longest pause (ms) | heap before GC, max (MiB) | heap after a full GC, max (MiB)"
            + " (the one during the attack, ").append(sampler.budgetUsedAtFullGc >> 20)
        .append(" MiB of the budget held)"
            + " | heap after the final full GC (MiB) | heap used on /metrics, max of ").append(sampler.samples)
        .append(" samples (MiB) | forward spans dropped | test duration (s) |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
        .append(String.format(
            "| %s | %d MiB | %d | %d | %d | %d | none | %d | %d | %.0f | %d | %d | %d | %d | %.0f | %.0f |%n",
            HEAP, (long) gauge(metrics, "tracestream_bridge_memory_budget_bytes") >> 20, sampler.maxBudgetUsed >> 20,
            good.answers.size(), good.retries.get(), good.sentSpanIds.size(), gc.pauses(), gc.full(), gc.longestMs(),
            gc.maxBeforeMiB(), gc.maxFullAfterMiB(), gc.lastFullAfterMiB(), sampler.maxHeapUsed >> 20,
            gauge(metrics, "tracestream_bridge_forward_spans_total\\{result=\"dropped\"}"), seconds))
        .append(String.format("%nRequests refused by the budget (`tracestream_bridge_requests_total`): over_budget"
            + " http %.0f, grpc %.0f; budget_full http %.0f, grpc %.0f.%n",
            gauge(metrics, "tracestream_bridge_requests_total\\{outcome=\"over_budget\",transport=\"http\"}"),
            gauge(metrics, "tracestream_bridge_requests_total\\{outcome=\"over_budget\",transport=\"grpc\"}"),
            gauge(metrics, "tracestream_bridge_requests_total\\{outcome=\"budget_full\",transport=\"http\"}"),
            gauge(metrics, "tracestream_bridge_requests_total\\{outcome=\"budget_full\",transport=\"grpc\"}")));
    ReliabilityReport.write("memory-budget", out.toString());
  }

  private static double gauge(HttpResponse<String> metrics, String name) {
    return metrics == null ? -1 : gauge(metrics.body(), name);
  }

  private static double gauge(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static String jcmd(long pid, String command) {
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(pid), command).redirectErrorStream(true).start();
      String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      jcmd.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (Exception e) {
      return "jcmd failed: " + e;
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static HttpResponse<String> admin(BridgeProcess bridge, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.adminPort() + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      return null;
    }
  }

  private static int status(HttpResponse<?> response) {
    return response == null ? 0 : response.statusCode();
  }

  /** One ResourceSpans whose resource carries {@code resourceBytes} of attribute, and one span per trace. */
  static ExportTraceServiceRequest resourceCopies(int resourceBytes, int traces) {
    Resource resource = Resource.newBuilder().addAttributes(BadBodies.attribute("big",
        AnyValue.newBuilder().setStringValue("r".repeat(resourceBytes)).build())).build();
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int t = 1; t <= traces; t++) {
      scope.addSpans(span(0xC0FFEE, t));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope)).build();
  }

  private static ExportTraceServiceRequest bigAttribute(int bytes) {
    Span span = span(0xB16, 1).toBuilder().addAttributes(BadBodies.attribute("big",
        AnyValue.newBuilder().setStringValue("b".repeat(bytes)).build())).build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
  }

  private static Span span(long high, long trace) {
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(high).putLong(trace).array()))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(trace).array()))
        .setName("op").setStartTimeUnixNano(1).setEndTimeUnixNano(2).build();
  }

  private static byte[] emptyObjects(int n) {
    StringBuilder json = new StringBuilder(3 * n + 20).append("{\"resourceSpans\":[");
    for (int i = 0; i < n; i++) {
      json.append(i == 0 ? "{}" : ",{}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
