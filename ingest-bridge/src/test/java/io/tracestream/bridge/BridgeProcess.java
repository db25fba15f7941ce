package io.tracestream.bridge;

import io.tracestream.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link BridgeMain} in a child JVM with the test classpath and the given JVM options, on free ports. */
final class BridgeProcess implements AutoCloseable {
  private static final Pattern PORTS =
      Pattern.compile(Pattern.quote(BridgeMain.PORTS) + " grpc=(\\d+) http=(\\d+) admin=(\\d+)");

  private final Process process;
  private final Path log;
  private final int grpcPort;
  private final int httpPort;
  private final int adminPort;

  private BridgeProcess(Process process, Path log, Matcher ports) {
    this.process = process;
    this.log = log;
    this.grpcPort = Integer.parseInt(ports.group(1));
    this.httpPort = Integer.parseInt(ports.group(2));
    this.adminPort = Integer.parseInt(ports.group(3));
  }

  /** Starts the bridge and returns once it has printed its ports; its output goes to {@code log}. */
  static BridgeProcess start(List<String> jvmOptions, Map<String, String> settings, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BridgeMain.class.getName()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    command.addAll(List.of("bridge.grpc.port=0", "bridge.http.port=0", "bridge.admin.port=0"));
    Files.createDirectories(log.getParent());
    Files.deleteIfExists(log);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    Matcher[] ports = new Matcher[1];
    try {
      Await.until(Duration.ofSeconds(60), "the bridge's ports in " + log, () -> {
        if (!process.isAlive()) {
          throw new AssertionError("the bridge exited with " + process.exitValue() + ":\n" + read(log));
        }
        Matcher m = PORTS.matcher(read(log));
        ports[0] = m;
        return m.find();
      });
    } catch (AssertionError e) {
      process.destroyForcibly();
      throw e;
    }
    return new BridgeProcess(process, log, ports[0]);
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  String log() {
    return read(log);
  }

  int grpcPort() {
    return grpcPort;
  }

  int httpPort() {
    return httpPort;
  }

  int adminPort() {
    return adminPort;
  }

  /** SIGTERM: the shutdown hook closes the bridge. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
