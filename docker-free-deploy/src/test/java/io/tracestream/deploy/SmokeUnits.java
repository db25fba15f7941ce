package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.tracestream.testkit.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The units as processes: install.sh into a staging root with the real jar, then each unit's
 * ExecStartPre and ExecStart as a plain process, read from the installed unit file with its
 * EnvironmentFile=s and WorkingDirectory= (see {@link UnitCommand}), on loopback ports set the way an
 * operator would, in the env files. The local Kafka is the kafka unit itself. Not run as the units'
 * users, and without the sandbox (that needs systemd as PID 1). A {@link Wrapper} may run every
 * command inside another program (strace, for {@code SyscallFilterIT}).
 */
final class SmokeUnits implements AutoCloseable {
  /** The series the spans of {@link #sendSpans()} add up in, on the topology's /metrics. */
  static final String SERIES = "traces_span_metrics_calls_total{service_name=\"smoke\",span_name=\"GET /smoke\","
      + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"}";
  static final int SPANS = 20;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** How a unit's command line is run: as it is, or as the child of another program. */
  interface Wrapper {
    Wrapper NONE = new Wrapper() {
      @Override
      public List<String> wrap(String name, List<String> command) {
        return command;
      }

      @Override
      public ProcessHandle command(Process started) {
        return started.toHandle();
      }

      @Override
      public int slowdown() {
        return 1;
      }
    };

    /** @param name the unit and which of its commands: {@code tracestream-bridge.service-ExecStartPre1} */
    List<String> wrap(String name, List<String> command);

    /** The process that runs the unit's own command line, the one that gets SIGTERM. */
    ProcessHandle command(Process started);

    /** How many times longer than a plain process the units take to start and stop under the wrapper. */
    int slowdown();
  }

  private record Running(UnitCommand command, Process process) {}

  private final Path root;
  private final Path logs;
  private final Wrapper wrapper;
  private final Deque<Running> running = new ArrayDeque<>();
  final int kafka;
  final int grpc;
  final int bridgeAdmin;
  final int topologyAdmin;
  final int alertingAdmin;

  private SmokeUnits(Path root, Path logs, Wrapper wrapper) throws IOException {
    this.root = root;
    this.logs = logs;
    this.wrapper = wrapper;
    this.kafka = freePort();
    this.grpc = freePort();
    this.bridgeAdmin = freePort();
    this.topologyAdmin = freePort();
    this.alertingAdmin = freePort();
  }

  /** install.sh --with-alerting into root with the real jar, every port a free loopback port. */
  static SmokeUnits install(Path root, Path logs, Wrapper wrapper) throws Exception {
    Path jar = Path.of(System.getProperty("tracestream.jar", "../launcher/target/tracestream.jar")).toAbsolutePath();
    assertThat(jar).as("the launcher's shaded jar (mvn package)").isRegularFile();
    Staging.install(root, jar, "--with-alerting");
    SmokeUnits units = new SmokeUnits(root, logs, wrapper);
    String bootstrap = "127.0.0.1:" + units.kafka;
    units.appendEnv("kafka.env",
        "TRACESTREAM_KAFKA_SERVER_LISTENERS=PLAINTEXT://" + bootstrap + ",CONTROLLER://127.0.0.1:" + freePort(),
        "TRACESTREAM_KAFKA_SERVER_GROUP_INITIAL_REBALANCE_DELAY_MS=0");
    units.appendEnv("bridge.env", "TRACESTREAM_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
        "TRACESTREAM_BRIDGE_GRPC_PORT=" + units.grpc, "TRACESTREAM_BRIDGE_HTTP_PORT=" + freePort(),
        "TRACESTREAM_BRIDGE_ADMIN_PORT=" + units.bridgeAdmin, "TRACESTREAM_BRIDGE_FORWARD_OTLP_ENDPOINT=");
    // short windows so that the test does not wait a minute
    units.appendEnv("topology.env", "TRACESTREAM_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
        "TRACESTREAM_TOPOLOGY_ADMIN_PORT=" + units.topologyAdmin, "TRACESTREAM_TOPOLOGY_WINDOW=10s",
        "TRACESTREAM_TOPOLOGY_GRACE=1s", "TRACESTREAM_TOPOLOGY_IDLE_CLOSE=2s",
        "TRACESTREAM_KAFKA_COMMIT_INTERVAL_MS=200");
    units.appendEnv("alerting.env", "TRACESTREAM_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
        "TRACESTREAM_ALERTING_ADMIN_PORT=" + units.alertingAdmin,
        // the properties name /etc/tracestream/alert-rules.yaml; here it is inside the staging root
        "TRACESTREAM_ALERTING_RULES_FILE=" + root.resolve("etc/tracestream/alert-rules.yaml"),
        "TRACESTREAM_ALERTING_ALERTMANAGER_URL=");
    return units;
  }

  Path root() {
    return root;
  }

  /** The four units in their After= order, each awaited until it listens or is ready. */
  void startAll() throws Exception {
    start(UnitCommand.of(root, "tracestream-kafka.service", null));
    await(Duration.ofSeconds(60), "Kafka on 127.0.0.1:" + kafka, () -> accepts(kafka));
    start(UnitCommand.of(root, "tracestream-bridge.service", null));
    start(UnitCommand.of(root, "tracestream-topology@.service", "1"));
    await(Duration.ofSeconds(60), "bridge ready", () -> status(bridgeAdmin, "/health/ready") == 200);
    await(Duration.ofSeconds(90), "topology ready", () -> status(topologyAdmin, "/health/ready") == 200);
    start(UnitCommand.of(root, "tracestream-alerting.service", null));
    await(Duration.ofSeconds(90), "alerting ready, with the default rules",
        () -> status(alertingAdmin, "/health/ready") == 200);
  }

  /**
   * The OTel SDK sends {@link #SPANS} spans ending in one 10 s window a minute ago to the bridge; waits until
   * {@link #SERIES} is on the topology's /metrics, and answers that /metrics.
   */
  String sendSpans() throws IOException {
    send(Instant.ofEpochMilli((Instant.now().minusSeconds(60).toEpochMilli() / 10_000) * 10_000), SPANS, 1, 0, 0);
    try {
      await(Duration.ofSeconds(90), SERIES + " on /metrics", () -> body(topologyAdmin, "/metrics").contains(SERIES));
    } catch (AssertionError e) {
      Files.writeString(logs.resolve("bridge.metrics"), body(bridgeAdmin, "/metrics"));
      Files.writeString(logs.resolve("topology.metrics"), body(topologyAdmin, "/metrics"));
      throw e;
    }
    return body(topologyAdmin, "/metrics");
  }

  /**
   * The OTel SDK sends server spans "GET /smoke" of service "smoke" to the bridge, starting 1 s into the 10 s
   * window from windowStart: ok spans lasting okMillis, then errors (status ERROR) lasting errorMillis.
   */
  void send(Instant windowStart, int ok, long okMillis, int errors, long errorMillis) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "smoke").build()))
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + grpc).setTimeout(Duration.ofSeconds(10L * wrapper.slowdown()))
            .build()).build())
        .build();
    Tracer tracer = provider.get("smoke");
    for (int i = 1; i <= ok + errors; i++) {
      Instant start = windowStart.plusMillis(1_000 + i);
      Span span = tracer.spanBuilder("GET /smoke").setSpanKind(SpanKind.SERVER).setStartTimestamp(start).startSpan();
      if (i > ok) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end(start.plusMillis(i > ok ? errorMillis : okMillis));
    }
    assertThat(provider.forceFlush().join(20L * wrapper.slowdown(), TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.close();
  }

  /** Waits until the topology's /metrics contains every line given. */
  void awaitMetrics(String... lines) {
    await(Duration.ofSeconds(90), String.join(", ", lines) + " on /metrics",
        () -> body(topologyAdmin, "/metrics").lines().toList().containsAll(List.of(lines)));
  }

  /**
   * SIGTERM to each, last started first: each must stop within TimeoutStopSec with an exit code its unit counts
   * as success.
   */
  void stopAll() throws InterruptedException {
    while (!running.isEmpty()) {
      Running r = running.pop();
      wrapper.command(r.process()).destroy(); // SIGTERM
      assertThat(r.process().waitFor(r.command().timeoutStop().toSeconds() * wrapper.slowdown(), TimeUnit.SECONDS))
          .as(r.command().unit() + " stopped within TimeoutStopSec").isTrue();
      assertThat(r.command().successExitStatus()).as(r.command().unit() + " exit code " + r.process().exitValue())
          .contains(r.process().exitValue());
      System.out.println(r.command().unit() + ": SIGTERM, exit code " + r.process().exitValue());
    }
  }

  @Override
  public void close() {
    running.forEach(r -> r.process().destroyForcibly());
  }

  private void start(UnitCommand cmd) throws Exception {
    Files.createDirectories(logs);
    Path log = logs.resolve(cmd.unit() + ".log");
    Files.deleteIfExists(log);
    int n = 0;
    for (List<String> pre : cmd.execStartPre()) {
      Process p = builder(cmd, wrapper.wrap(cmd.unit() + "-ExecStartPre" + ++n, pre), log).start();
      assertThat(p.waitFor(30L * wrapper.slowdown(), TimeUnit.SECONDS) && p.exitValue() == 0)
          .as(cmd.unit() + " ExecStartPre " + pre).isTrue();
    }
    running.push(new Running(cmd, builder(cmd, wrapper.wrap(cmd.unit() + "-ExecStart", cmd.execStart()), log).start()));
  }

  private static ProcessBuilder builder(UnitCommand cmd, List<String> command, Path log) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cmd.workingDirectory().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().clear();
    pb.environment().putAll(cmd.environment());
    return pb;
  }

  /** {@link Await#until}, failing at once, naming the unit and its log, when a unit has exited meanwhile. */
  private void await(Duration timeout, String what, BooleanSupplier condition) {
    Await.until(timeout.multipliedBy(wrapper.slowdown()), what + "; process output in " + logs, () -> {
      for (Running r : running) {
        if (!r.process().isAlive()) {
          throw new AssertionError(r.command().unit() + " exited " + r.process().exitValue() + " while waiting for "
              + what + "; its output is in " + logs.resolve(r.command().unit() + ".log"));
        }
      }
      return condition.getAsBoolean();
    });
  }

  private void appendEnv(String file, String... lines) throws IOException {
    Files.writeString(root.resolve("etc/tracestream/" + file),
        "\n# smoke test: loopback ports\n" + String.join("\n", lines) + "\n", StandardOpenOption.APPEND);
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int status(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static String body(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
