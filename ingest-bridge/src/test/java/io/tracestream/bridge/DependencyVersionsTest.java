package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The network-facing libraries on the classpath are at or past the releases that fixed their known
 * CVEs (docs/SECURITY.md lists them); a downgrade through a BOM or a transitive pin fails here.
 */
class DependencyVersionsTest {

  @Test
  void protobufJavaIsPastCve2024_7254() {
    // CVE-2024-7254 (stack overflow on deeply nested groups): fixed in 3.25.5, 4.27.5, 4.28.2
    String version = com.google.protobuf.RuntimeVersion.MAJOR + "." + com.google.protobuf.RuntimeVersion.MINOR + "."
        + com.google.protobuf.RuntimeVersion.PATCH;
    assertThat(compare(version, "4.28.2")).as("protobuf-java " + version).isGreaterThanOrEqualTo(0);
  }

  @Test
  void grpcJavaIsPastRapidResetAndHasItsRstLimit() throws Exception {
    // CVE-2023-44487 (HTTP/2 rapid reset): fixed in 1.58.1; maxRstFramesPerWindow since 1.61
    String version = io.grpc.internal.GrpcUtil.IMPLEMENTATION_VERSION.replaceAll("-.*", "");
    assertThat(compare(version, "1.61.0")).as("grpc-java " + version).isGreaterThanOrEqualTo(0);
    assertThat(io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.class
        .getMethod("maxRstFramesPerWindow", int.class, int.class)).isNotNull();
  }

  @Test
  void grpcsNettyIsPastMadeYouResetAndRapidReset() throws Exception {
    // CVE-2023-44487: 4.1.100; CVE-2025-55163 (HTTP/2 "MadeYouReset"): 4.1.124 / 4.2.4;
    // CVE-2025-58056 and CVE-2025-58057: 4.1.125 / 4.2.5
    Properties versions = new Properties();
    try (InputStream in = getClass().getClassLoader()
        .getResourceAsStream("META-INF/io.grpc.netty.shaded.io.netty.versions.properties")) {
      assertThat(in).as("grpc-netty-shaded's Netty version file").isNotNull();
      versions.load(in);
    }
    String version = versions.getProperty("netty-common.version").replace(".Final", "");
    String minimum = version.startsWith("4.1.") ? "4.1.125" : "4.2.5";
    assertThat(compare(version, minimum)).as("shaded Netty " + version).isGreaterThanOrEqualTo(0);
  }

  @Test
  void noUnshadedNettyIsOnTheClasspath() {
    // only grpc-netty-shaded's copy is used; an unshaded one would need its own CVE review
    assertThat(getClass().getClassLoader().getResource("io/netty/util/Version.class")).isNull();
  }

  /** Compares dotted numeric versions. */
  static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? Integer.parseInt(x[i]) : 0;
      int q = i < y.length ? Integer.parseInt(y[i]) : 0;
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }
}
