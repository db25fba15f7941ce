package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd-analyze verify} on every unit as install.sh lays it out, in a staging root (--root), so
 * it runs the same without systemd as PID 1. verify resolves ExecStart binaries and dependencies inside
 * the root, so the root gets this host's systemd units and copies of java and find; Jaeger's binary,
 * which users download into /opt/jaeger, is a stand-in script. verify reports a directive it cannot
 * parse as a warning and exits 0, so any output at all counts as a failure.
 */
class UnitVerifyTest {
  static final List<String> UNITS = List.of("tracestream-kafka.service", "tracestream-bridge.service",
      "tracestream-topology@1.service", "tracestream-alerting.service", "tracestream.target", "jaeger.service");

  @TempDir
  static Path dir;
  static Path root;
  static String analyze;

  @BeforeAll
  static void stageARoot() throws Exception {
    analyze = Staging.requireTool("systemd-analyze", "systemd");
    root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir), "--with-alerting", "--with-jaeger-unit");
    copyTree(Path.of("/usr/lib/systemd/system"), root.resolve("usr/lib/systemd/system"));
    for (String binary : List.of("/usr/bin/java", "/usr/bin/find")) {
      Path target = root.resolve(binary.substring(1));
      Files.createDirectories(target.getParent());
      Files.copy(Path.of(binary).toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
    Path jaeger = root.resolve("opt/jaeger/jaeger");
    Files.createDirectories(jaeger.getParent());
    Files.writeString(jaeger, "#!/bin/sh\n# stand-in for the Jaeger v2 binary\n");
    Files.setPosixFilePermissions(jaeger, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void everyUnitPassesSystemdAnalyzeVerifyWithoutAWarning() throws Exception {
    Staging.Result result = verify(UNITS.toArray(String[]::new));

    assertThat(result.output()).as("systemd-analyze verify output").isEmpty();
    assertThat(result.exit()).isZero();
  }

  @Test
  void verifyCatchesADirectiveItCannotParse() throws Exception {
    stageBroken("tracestream-broken.service", "Restart=on-failure", "Restart=sometimes");

    Staging.Result result = verify("tracestream-broken.service");

    assertThat(result.output()).contains("Failed to parse service restart specifier");
  }

  @Test
  void verifyCatchesAMissingExecutable() throws Exception {
    stageBroken("tracestream-nojava.service", "ExecStart=/usr/bin/java", "ExecStart=/usr/lib/jvm/none/bin/java");

    Staging.Result result = verify("tracestream-nojava.service");

    assertThat(result.exit()).isNotZero();
    assertThat(result.output()).contains("/usr/lib/jvm/none/bin/java is not executable");
  }

  private static void stageBroken(String name, String from, String to) throws IOException {
    String unit = Files.readString(root.resolve("etc/systemd/system/tracestream-bridge.service"));
    assertThat(unit).contains(from);
    Files.writeString(root.resolve("etc/systemd/system/" + name), unit.replace(from, to));
  }

  private static Staging.Result verify(String... units) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(analyze, "verify", "--man=no", "--root=" + root));
    for (String unit : units) {
      cmd.add("/etc/systemd/system/" + unit);
    }
    return Staging.exec(cmd);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          continue; // masked units (-> /dev/null) and aliases: none of ours depends on them
        }
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
