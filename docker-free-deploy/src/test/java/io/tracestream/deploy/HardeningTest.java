package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The directives issue 8 asks of every unit, read from the shipped unit files. */
class HardeningTest {
  /** TopologyApp closes Kafka Streams with this timeout; systemd must wait longer before SIGKILL. */
  private static final Duration STREAMS_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  @ParameterizedTest
  @ValueSource(strings = {"tracestream-kafka.service", "tracestream-bridge.service", "tracestream-topology@.service",
      "tracestream-alerting.service", "jaeger.service"})
  void everyUnitIsConfinedAndRestartsOnFailureOnly(String name) throws Exception {
    UnitFile unit = UnitFile.read(Staging.DEPLOY.resolve("systemd/" + name));

    assertThat(unit.service("NoNewPrivileges")).isEqualTo("yes");
    assertThat(unit.service("ProtectSystem")).isEqualTo("strict");
    assertThat(unit.service("ProtectHome")).isEqualTo("yes");
    assertThat(unit.service("PrivateTmp")).isEqualTo("yes");
    assertThat(unit.serviceList("StateDirectory")).isNotEmpty();
    assertThat(unit.service("Restart")).isEqualTo("on-failure");
    assertThat(Integer.parseInt(unit.service("LimitNOFILE"))).isGreaterThanOrEqualTo(65536);
    assertThat(unit.service("MemoryMax")).matches("\\d+[MG]");
    assertThat(UnitCommand.duration(unit.service("TimeoutStopSec"))).isGreaterThan(STREAMS_CLOSE_TIMEOUT.minusSeconds(1));
    assertThat(unit.get("Service", "MemoryDenyWriteExecute")).as("breaks the JIT").isEmpty();
    assertThat(unit.service("CapabilityBoundingSet")).as("no capabilities: every port is above 1024").isEmpty();
    assertThat(unit.service("ProtectProc")).as("other users' processes hidden").isEqualTo("invisible");
    assertThat(unit.serviceList("SystemCallFilter")).containsExactly("@system-service");
    assertThat(unit.service("SystemCallErrorNumber")).as("a filtered call fails, the JVM falls back")
        .isEqualTo("EPERM");
    assertThat(unit.service("PrivateMounts")).isEqualTo("yes");
    assertThat(unit.service("PrivateIPC")).isEqualTo("yes");
    assertThat(unit.service("RemoveIPC")).isEqualTo("yes");
    assertThat(unit.service("UMask")).as("files the service creates are its user's alone").isEqualTo("0077");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tracestream-kafka.service", "tracestream-bridge.service", "tracestream-topology@.service",
      "tracestream-alerting.service"})
  void everyTracestreamUnitRunsAsItsOwnUserTreatsSigtermAsSuccessAndHasRoomForItsHeap(String name) throws Exception {
    UnitFile unit = UnitFile.read(Staging.DEPLOY.resolve("systemd/" + name));
    String part = name.substring("tracestream-".length()).replaceAll("@?\\.service$", "");

    assertThat(unit.service("User")).as("a user of its own: the bridge cannot read the others' secrets or state")
        .isEqualTo("tracestream-" + part);
    assertThat(unit.service("Group")).isEqualTo("tracestream-" + part);
    assertThat(unit.get("Service", "SupplementaryGroups")).isEmpty();
    assertThat(unit.serviceList("SuccessExitStatus")).contains("143");
    assertThat(unit.serviceList("RestartPreventExitStatus")).as("a config error is not fixed by a restart").contains("2");
    assertThat(UnitCommand.duration(unit.service("TimeoutStopSec"))).isGreaterThan(STREAMS_CLOSE_TIMEOUT);
    assertThat(unit.get("Unit", "PartOf")).hasValue("tracestream.target");
    assertThat(unit.get("Install", "WantedBy")).hasValue("tracestream.target");
    // java.io.tmpdir is one of the unit's state directories (RocksDB and netty load native code from it)
    String tmp = find(unit.service("ExecStart"), "-Djava\\.io\\.tmpdir=%S/(\\S+)");
    assertThat(unit.serviceList("StateDirectory")).contains(tmp);
    assertThat(unit.all("Service", "ExecStartPre")).contains("/usr/bin/find %S/" + tmp + " -mindepth 1 -delete");

    // MemoryMax holds the heap, direct memory and at least 256 MiB for metaspace, code and threads
    Map<String, String> env = UnitCommand.readEnvironmentFile(
        Staging.DEPLOY.resolve("etc").resolve(Path.of(unit.all("Service", "EnvironmentFile").get(0)).getFileName()));
    String javaOpts = env.get("JAVA_OPTS");
    long heap = mib(find(javaOpts, "-Xmx(\\d+[mg])"));
    long direct = javaOpts.contains("MaxDirectMemorySize") ? mib(find(javaOpts, "-XX:MaxDirectMemorySize=(\\d+[mg])")) : 0;
    assertThat(mib(unit.service("MemoryMax"))).as("MemoryMax in MiB over -Xmx %s + direct %s", heap, direct)
        .isGreaterThanOrEqualTo(heap + direct + 256);
    assertThat(javaOpts).contains("-XX:+ExitOnOutOfMemoryError");
  }

  private static String find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex + " in " + text).isTrue();
    return m.group(1);
  }

  private static long mib(String size) {
    long n = Long.parseLong(size.substring(0, size.length() - 1));
    return switch (Character.toLowerCase(size.charAt(size.length() - 1))) {
      case 'g' -> n * 1024;
      case 'm' -> n;
      default -> throw new IllegalArgumentException(size);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"tracestream-kafka.service", "tracestream-bridge.service", "tracestream-topology@.service",
      "tracestream-alerting.service"})
  void theUnitsAreOrderedAfterTheLocalBrokerWithoutRequiringIt(String name) throws Exception {
    UnitFile unit = UnitFile.read(Staging.DEPLOY.resolve("systemd/" + name));
    List<String> requires = unit.all("Unit", "Requires");

    assertThat(requires).as("Kafka may be a remote cluster").noneMatch(r -> r.contains("tracestream-kafka"));
    if (!name.equals("tracestream-kafka.service")) {
      assertThat(unit.get("Unit", "After").orElseThrow()).contains("tracestream-kafka.service");
    }
  }
}
