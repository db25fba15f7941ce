package io.tracestream.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The metrics registry of a part's process: JVM and CPU meters, and {@code tracestream_build_info}. */
public final class ProcessMetrics {
  /** The version in the jar's manifest ({@code Implementation-Version}), or {@code dev} outside the jar. */
  public static final String VERSION = version();

  private ProcessMetrics() {}

  /**
   * A registry with the JVM's memory, GC, thread and CPU meters and {@code tracestream_build_info{part, version,
   * java_version} 1}, as Prometheus' own {@code prometheus_build_info}.
   */
  public static PrometheusMeterRegistry registry(String part) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    Gauge.builder("tracestream.build.info", () -> 1)
        .description("1, labelled with the part, the tracestream version and the Java runtime's version")
        .tags("part", part, "version", VERSION, "java_version", System.getProperty("java.version"))
        .register(registry);
    return registry;
  }

  private static String version() {
    String v = ProcessMetrics.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
