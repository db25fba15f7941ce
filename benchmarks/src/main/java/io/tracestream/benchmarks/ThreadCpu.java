package io.tracestream.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of this JVM's threads, summed by the component a thread's name shows, and the process's
 * total (which also holds the GC's and other native threads, shown as "JVM (GC, JIT, other)").
 * A thread that ends between two snapshots loses its time since the first, so snapshots are taken
 * while every component runs.
 */
final class ThreadCpu {
  static final String BRIDGE = "bridge";
  static final String TOPOLOGY = "topology";
  static final String BROKER = "broker";
  static final String LOAD = "load generator and bench";
  static final String JVM = "JVM (GC, JIT, other)";

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final String applicationId;

  ThreadCpu(String applicationId) {
    this.applicationId = applicationId;
  }

  /** Thread names: gRPC server and the bridge's producer; the streams app's threads carry its application id. */
  String component(String name) {
    if (name.contains(applicationId)) {
      return TOPOLOGY;
    }
    if (name.startsWith("grpc-") || name.contains("tracestream-bridge") || name.startsWith("bridge-")) {
      return BRIDGE;
    }
    if (name.contains("bench") || name.equals("main")) {
      return LOAD;
    }
    if (name.contains("CompilerThread") || name.startsWith("JFR") || name.equals("Signal Dispatcher")
        || name.equals("Reference Handler") || name.equals("Finalizer") || name.equals("Common-Cleaner")
        || name.startsWith("Attach") || name.startsWith("Notification") || name.startsWith("tracestream-admin")) {
      return JVM;
    }
    return BROKER; // the embedded broker's request handlers, network, log, raft and coordinator threads
  }

  /** Nanoseconds of CPU per component since the JVM started, and "total" for the process. */
  Map<String, Long> snapshot() {
    Map<String, Long> byComponent = new LinkedHashMap<>();
    for (String c : new String[] {BRIDGE, TOPOLOGY, BROKER, LOAD, JVM}) {
      byComponent.put(c, 0L);
    }
    long threadSum = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        byComponent.merge(component(info.getThreadName()), cpu, Long::sum);
        threadSum += cpu;
      }
    }
    long total = os.getProcessCpuTime();
    byComponent.merge(JVM, Math.max(0, total - threadSum), Long::sum);
    byComponent.put("total", total);
    return byComponent;
  }

  static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> delta = new LinkedHashMap<>();
    after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
    return delta;
  }
}
