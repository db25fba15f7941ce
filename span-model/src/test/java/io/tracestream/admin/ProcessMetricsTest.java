package io.tracestream.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessMetricsTest {
  @Test
  void buildInfoNamesThePartTheVersionAndTheJavaVersion() {
    String scrape = ProcessMetrics.registry("bridge").scrape();

    assertThat(scrape).contains("# TYPE tracestream_build_info gauge\n")
        .contains("tracestream_build_info{java_version=\"" + System.getProperty("java.version")
            + "\",part=\"bridge\",version=\"dev\"} 1")
        .contains("jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads", "process_cpu_usage");
  }
}
