package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The units as processes: install.sh into a staging root with the real jar, then each unit's
 * ExecStartPre and ExecStart as a plain process, read from the installed unit file with its
 * EnvironmentFile=s and WorkingDirectory= (see {@link UnitCommand}), on loopback ports set the way an
 * operator would, in the env files. The local Kafka is the kafka unit itself. A span sent by the OTel
 * SDK to the bridge must come out on the topology's /metrics, and SIGTERM must end every process with
 * an exit code its unit counts as success. Not run as the units' users, and without the sandbox
 * (that needs systemd as PID 1).
 */
class UnitsSmokeIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Path LOGS = Path.of(System.getProperty("smoke.logs", "target/smoke-logs"));

  @TempDir
  Path dir;

  private final Deque<Running> running = new ArrayDeque<>();

  record Running(UnitCommand command, Process process) {}

  @Test
  void aSpanSentToTheBridgeUnitComesOutOnTheTopologyUnitsMetricsAndSigtermIsASuccessfulStop() throws Exception {
    Path jar = Path.of(System.getProperty("tracestream.jar", "../launcher/target/tracestream.jar")).toAbsolutePath();
    assertThat(jar).as("the launcher's shaded jar (mvn package)").isRegularFile();
    Path root = dir.resolve("root");
    Staging.install(root, jar, "--with-alerting");
    int kafka = freePort();
    int controller = freePort();
    int grpc = freePort();
    int bridgeAdmin = freePort();
    int topologyAdmin = freePort();
    int alertingAdmin = freePort();
    String bootstrap = "127.0.0.1:" + kafka;
    appendEnv(root, "kafka.env", "TRACESTREAM_KAFKA_SERVER_LISTENERS=PLAINTEXT://" + bootstrap + ",CONTROLLER://127.0.0.1:" + controller,
        "TRACESTREAM_KAFKA_SERVER_GROUP_INITIAL_REBALANCE_DELAY_MS=0");
    appendEnv(root, "bridge.env", "TRACESTREAM_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
        "TRACESTREAM_BRIDGE_GRPC_PORT=" + grpc, "TRACESTREAM_BRIDGE_HTTP_PORT=" + freePort(),
        "TRACESTREAM_BRIDGE_ADMIN_PORT=" + bridgeAdmin, "TRACESTREAM_BRIDGE_FORWARD_OTLP_ENDPOINT=");
    // short windows so that the test does not wait a minute
    appendEnv(root, "topology.env", "TRACESTREAM_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
        "TRACESTREAM_TOPOLOGY_ADMIN_PORT=" + topologyAdmin, "TRACESTREAM_TOPOLOGY_WINDOW=10s",
        "TRACESTREAM_TOPOLOGY_GRACE=1s", "TRACESTREAM_TOPOLOGY_IDLE_CLOSE=2s", "TRACESTREAM_KAFKA_COMMIT_INTERVAL_MS=200");
    appendEnv(root, "alerting.env", "TRACESTREAM_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
        "TRACESTREAM_ALERTING_ADMIN_PORT=" + alertingAdmin,
        // the properties name /etc/tracestream/alert-rules.yaml; here it is inside the staging root
        "TRACESTREAM_ALERTING_RULES_FILE=" + root.resolve("etc/tracestream/alert-rules.yaml"),
        "TRACESTREAM_ALERTING_ALERTMANAGER_URL=");

    // Given the four units started in their After= order
    start(UnitCommand.of(root, "tracestream-kafka.service", null));
    await(Duration.ofSeconds(60), "Kafka on " + bootstrap, () -> accepts(kafka));
    assertThat(root.resolve("var/lib/tracestream/kafka/logs/meta.properties")).as("formatted on first start").isRegularFile();
    start(UnitCommand.of(root, "tracestream-bridge.service", null));
    start(UnitCommand.of(root, "tracestream-topology@.service", "1"));
    await(Duration.ofSeconds(60), "bridge ready", () -> status(bridgeAdmin, "/health/ready") == 200);
    await(Duration.ofSeconds(90), "topology ready", () -> status(topologyAdmin, "/health/ready") == 200);
    start(UnitCommand.of(root, "tracestream-alerting.service", null));
    await(Duration.ofSeconds(90), "alerting ready, with the default rules", () -> status(alertingAdmin, "/health/ready") == 200);
    assertThat(body(alertingAdmin, "/metrics")).containsPattern("(?m)^tracestream_alerting_rules(\\{[^}]*})? 4(\\.0)?$");
    assertThat(tree(root.resolve("var/lib/tracestream/topology-1/tmp"))).as("RocksDB's JNI library in java.io.tmpdir")
        .anyMatch(f -> f.contains("rocksdbjni"));

    // When the OTel SDK sends 20 spans ending in one 10 s window a minute ago
    long windowStart = (Instant.now().minusSeconds(60).toEpochMilli() / 10_000) * 10_000;
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "smoke").build()))
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + grpc).build()).build())
        .build();
    Tracer tracer = provider.get("smoke");
    for (int i = 1; i <= 20; i++) {
      Instant start = Instant.ofEpochMilli(windowStart + 1_000 + i);
      tracer.spanBuilder("GET /smoke").setSpanKind(SpanKind.SERVER).setStartTimestamp(start).startSpan()
          .end(start.plusMillis(i));
    }
    assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.close();

    // Then the window's count is on the topology's /metrics
    String series = "traces_span_metrics_calls_total{service_name=\"smoke\",span_name=\"GET /smoke\","
        + "span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_UNSET\"}";
    try {
      await(Duration.ofSeconds(90), series + " on /metrics", () -> body(topologyAdmin, "/metrics").contains(series));
    } catch (AssertionError e) {
      Files.writeString(LOGS.resolve("bridge.metrics"), body(bridgeAdmin, "/metrics"));
      Files.writeString(LOGS.resolve("topology.metrics"), body(topologyAdmin, "/metrics"));
      throw e;
    }
    assertThat(body(topologyAdmin, "/metrics")).containsPattern("(?m)^" + java.util.regex.Pattern.quote(series) + " 20(\\.0)?$");
    assertThat(tree(root.resolve("var/lib/tracestream/topology-1/streams"))).as("Streams state in the state directory").isNotEmpty();

    // And SIGTERM stops each, last started first, with an exit code the unit counts as success
    while (!running.isEmpty()) {
      Running r = running.pop();
      r.process().destroy(); // SIGTERM
      assertThat(r.process().waitFor(r.command().timeoutStop().toSeconds(), TimeUnit.SECONDS))
          .as(r.command().unit() + " stopped within TimeoutStopSec").isTrue();
      assertThat(r.command().successExitStatus()).as(r.command().unit() + " exit code " + r.process().exitValue())
          .contains(r.process().exitValue());
      System.out.println(r.command().unit() + ": SIGTERM, exit code " + r.process().exitValue());
    }
  }

  @AfterEach
  void killWhatIsLeft() {
    running.forEach(r -> r.process().destroyForcibly());
  }

  private void start(UnitCommand cmd) throws Exception {
    Files.createDirectories(LOGS);
    Path log = LOGS.resolve(cmd.unit() + ".log");
    Files.deleteIfExists(log);
    for (List<String> pre : cmd.execStartPre()) {
      Process p = builder(cmd, pre, log).start();
      assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(cmd.unit() + " ExecStartPre " + pre).isTrue();
    }
    running.push(new Running(cmd, builder(cmd, cmd.execStart(), log).start()));
  }

  private static ProcessBuilder builder(UnitCommand cmd, List<String> command, Path log) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cmd.workingDirectory().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().clear();
    pb.environment().putAll(cmd.environment());
    return pb;
  }

  private void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      for (Running r : running) {
        if (!r.process().isAlive()) {
          throw new AssertionError(r.command().unit() + " exited " + r.process().exitValue() + " while waiting for "
              + what + "; its output is in " + LOGS.resolve(r.command().unit() + ".log"));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
            + "; process output in " + LOGS);
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
  }

  private static void appendEnv(Path root, String file, String... lines) throws IOException {
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

  private static int status(int port, String path) {
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

  private static String body(int port, String path) {
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

  private static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).toList();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
