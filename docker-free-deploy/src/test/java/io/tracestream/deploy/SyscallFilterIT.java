package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The units' SystemCallFilter= against what they call: the smoke run of {@link SmokeUnits} (a span from the OTel
 * SDK to the topology's /metrics, alerting ready, SIGTERM) with every ExecStartPre and ExecStart under
 * {@code strace -f}, then every system call of every thread compared with the unit's filter, expanded by
 * {@code systemd-analyze syscall-filter}. Without systemd as PID 1 the filter itself is not installed: this
 * shows what it would deny, not that the kernel denies it.
 */
class SyscallFilterIT {
  private static final Path LOGS = Path.of(System.getProperty("smoke.logs", "target/smoke-logs")).resolve("syscalls");

  /**
   * The one place that names a call a unit makes outside its filter, with what the process does when the filter
   * answers the call with EPERM ({@code "name", "what happens"}). A call a service needs in order to work goes
   * into the units' SystemCallFilter= instead (and into HardeningTest). Empty: in the run of 2026-12-07
   * (systemd 252, OpenJDK 17.0.15, strace 6.1) every call of every unit was inside @system-service, also those
   * of the sh, ldd and grep that RocksJava starts in the topology and alerting to tell musl from glibc.
   */
  private static final Map<String, String> OUTSIDE_THE_FILTER = Map.of();

  @TempDir
  Path dir;

  @Test
  void everyCallOfEveryUnitIsInItsSystemCallFilterOrListedWithWhatEpermDoes() throws Exception {
    Strace strace = new Strace(Staging.requireTool("strace", "strace"), clean(LOGS.resolve("strace")));
    Path root = dir.resolve("root");

    // Given the four units under strace, driven as the smoke test drives them, and stopped with SIGTERM
    try (SmokeUnits units = SmokeUnits.install(root, LOGS, strace)) {
      units.startAll();
      units.sendSpans();
      units.stopAll();
    }

    // Then every call of every command is inside its unit's filter or explained
    Map<String, Set<String>> calls = new TreeMap<>();
    try (Stream<Path> files = Files.list(strace.dir())) {
      for (Path file : files.sorted().toList()) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
          calls.put(file.getFileName().toString().replaceFirst("\\.strace$", ""), SyscallFilter.calls(lines));
        }
      }
    }
    assertThat(calls).as("an ExecStartPre and an ExecStart per unit, traced").containsOnlyKeys(
        "tracestream-kafka.service-ExecStartPre1", "tracestream-kafka.service-ExecStart",
        "tracestream-bridge.service-ExecStartPre1", "tracestream-bridge.service-ExecStart",
        "tracestream-topology@1.service-ExecStartPre1", "tracestream-topology@1.service-ExecStart",
        "tracestream-alerting.service-ExecStartPre1", "tracestream-alerting.service-ExecStart");
    Map<String, SyscallFilter> filters = new TreeMap<>();
    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<String, Set<String>> e : calls.entrySet()) {
      String command = e.getKey();
      Set<String> made = e.getValue();
      // tracestream-topology@1.service-ExecStart runs tracestream-topology@.service
      String unitFile = command.replaceFirst("-Exec\\w+$", "").replaceFirst("@[^.]+\\.", "@.");
      SyscallFilter filter = filters.computeIfAbsent(unitFile, f -> filterOf(root.resolve("etc/systemd/system/" + f)));
      softly.assertThat(made).as(command + ": traced from its exec to its exit").contains("execve", "exit_group");
      softly.check(() -> filter.verify(command, made));
      System.out.printf("%s: %d distinct calls; outside the filter, explained: %s%n", command, made.size(),
          filter.explained(made).keySet());
    }
    softly.assertAll();
  }

  /** The unit's SystemCallFilter=, its groups expanded by systemd-analyze, and the calls explained above. */
  private static SyscallFilter filterOf(Path unitFile) {
    String analyze = Staging.requireTool("systemd-analyze", "systemd");
    try {
      List<String> filter = UnitFile.read(unitFile).serviceList("SystemCallFilter");
      return new SyscallFilter(SyscallFilter.expand(filter, group -> {
        try {
          return Staging.run(List.of(analyze, "syscall-filter", group));
        } catch (Exception e) {
          throw new IllegalStateException("systemd-analyze syscall-filter " + group, e);
        }
      }), OUTSIDE_THE_FILTER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path clean(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    return dir;
  }

  /** {@code strace -f -qq -o DIR/NAME.strace COMMAND}: every call of the command, its threads and children. */
  private record Strace(String strace, Path dir) implements SmokeUnits.Wrapper {
    @Override
    public List<String> wrap(String name, List<String> command) {
      Path output = dir.resolve(name + ".strace");
      List<String> wrapped = new ArrayList<>(List.of(strace, "-f", "-qq", "-o", output.toString()));
      wrapped.addAll(command);
      return wrapped;
    }

    /** strace's child, the JVM: strace itself blocks SIGTERM when it runs a command with -o (its -I 3 default). */
    @Override
    public ProcessHandle command(Process started) {
      return started.children().findFirst()
          .orElseThrow(() -> new AssertionError("strace has no child: " + started.info()));
    }

    @Override
    public int slowdown() {
      return 4;
    }
  }
}
