package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar `mvn package` builds ({@code target/tracestream.jar}), run as an operator runs it. */
class ShadedJarIT {
  private static final Path JAR = Path.of("target", "tracestream.jar");
  private static final long MAX_BYTES = 80L * 1024 * 1024;

  @TempDir
  Path dir;

  @Test
  void isUnder80MiBWithNativesForLinuxX8664AndAarch64Only() throws IOException {
    assertThat(Files.size(JAR)).isLessThan(MAX_BYTES);
    TreeSet<String> natives = new TreeSet<>();
    try (JarFile jar = new JarFile(JAR.toFile())) {
      jar.stream().map(e -> e.getName())
          .filter(n -> n.endsWith(".so") || n.endsWith(".dll") || n.endsWith(".jnilib") || n.endsWith(".dylib")
              || n.endsWith(".a"))
          .forEach(natives::add);
    }
    assertThat(natives).containsExactly(
        "META-INF/native/libio_grpc_netty_shaded_netty_tcnative_linux_aarch_64.so",
        "META-INF/native/libio_grpc_netty_shaded_netty_tcnative_linux_x86_64.so",
        "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_aarch_64.so",
        "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so",
        "librocksdbjni-linux-aarch64.so",
        "librocksdbjni-linux64.so",
        "linux/aarch64/libzstd-jni-" + zstdVersion(natives) + ".so",
        "linux/amd64/libzstd-jni-" + zstdVersion(natives) + ".so",
        "net/jpountz/util/linux/aarch64/liblz4-java.so",
        "net/jpountz/util/linux/amd64/liblz4-java.so",
        "org/jline/nativ/Linux/arm64/libjlinenative.so",
        "org/jline/nativ/Linux/x86_64/libjlinenative.so",
        "org/xerial/snappy/native/Linux/aarch64/libsnappyjava.so",
        "org/xerial/snappy/native/Linux/x86_64/libsnappyjava.so");
  }

  @Test
  void versionIsTheProjectVersionFromTheManifest() throws Exception {
    String expected = System.getProperty("tracestream.version");
    assertThat(expected).as("failsafe passes the project version").isNotBlank();

    assertThat(run(List.of("-jar", JAR.toString(), "--version"))).isEqualTo("tracestream " + expected + "\n");
  }

  /** RocksDB, which the topology's state stores need, loads its native library from the jar on this machine. */
  @Test
  void rocksDbLoadsFromTheJar() throws Exception {
    String classes = Path.of("target", "test-classes").toString();
    String out = run(List.of("-cp", JAR + java.io.File.pathSeparator + classes,
        "io.tracestream.launcher.OpenRocksDb", dir.resolve("db").toString()));

    assertThat(out).isEqualTo("opened " + dir.resolve("db") + "\n");
  }

  private static String zstdVersion(TreeSet<String> natives) {
    return natives.stream().filter(n -> n.startsWith("linux/amd64/libzstd-jni-")).findFirst()
        .map(n -> n.substring("linux/amd64/libzstd-jni-".length(), n.length() - ".so".length())).orElse("?");
  }

  private static String run(List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(text).isZero();
    return text;
  }
}
