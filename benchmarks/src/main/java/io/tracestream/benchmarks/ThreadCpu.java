package io.tracestream.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads, summed by the component a thread's name shows; the garbage collector's
 * native threads, read from {@code /proc/self/task} (G1's workers, concurrent and refinement threads); and
 * the JIT compilers' native threads, likewise; and the process's total, whose rest (the VM thread, other
 * native threads, threads that ended between the snapshots) is shown as "JVM: other".
 * A thread that ends between two snapshots loses its time since the first, so snapshots are taken
 * while every component runs.
 */
final class ThreadCpu {
  static final String BRIDGE = "bridge";
  static final String TOPOLOGY = "topology";
  static final String BROKER = "broker";
  static final String LOAD = "load generator and bench";
  static final String GC = "JVM: garbage collection";
  /** RocksDB's own native threads (flushes, compactions); only the topology's state stores use RocksDB. */
  static final String ROCKSDB = "topology: RocksDB background threads";
  /** The JIT compilers' native threads ("C2 CompilerThread0", ...), read from /proc: hidden from ThreadMXBean. */
  static final String JIT = "JVM: JIT compilers";
  static final String JVM = "JVM: other (VM thread, threads ended meanwhile)";
  /** Linux's clock ticks per second for {@code /proc/<pid>/task/<tid>/stat} times (USER_HZ, 100 on every platform). */
  private static final long TICKS_PER_SECOND = 100;

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
    if (name.startsWith("JFR") || name.equals("Signal Dispatcher")
        || name.equals("Reference Handler") || name.equals("Finalizer") || name.equals("Common-Cleaner")
        || name.startsWith("Attach") || name.startsWith("Notification") || name.startsWith("tracestream-admin")) {
      return JVM;
    }
    return BROKER; // the embedded broker's request handlers, network, log, raft and coordinator threads
  }

  /** Nanoseconds of CPU per component since the JVM started, and "total" for the process. */
  Map<String, Long> snapshot() {
    Map<String, Long> byComponent = new LinkedHashMap<>();
    for (String c : new String[] {BRIDGE, TOPOLOGY, ROCKSDB, BROKER, LOAD, GC, JIT, JVM}) {
      byComponent.put(c, 0L);
    }
    long threadSum = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0 && !info.getThreadName().contains("CompilerThread")) { // counted from /proc below
        byComponent.merge(component(info.getThreadName()), cpu, Long::sum);
        threadSum += cpu;
      }
    }
    long total = os.getProcessCpuTime();
    long gc = nativeNanos("GC Thread", "G1 ");
    long rocksdb = nativeNanos("rocksdb:");
    long jit = nativeNanos("C2 Compiler", "C1 Compiler");
    byComponent.put(GC, gc);
    byComponent.put(ROCKSDB, rocksdb);
    byComponent.put(JIT, jit);
    byComponent.merge(JVM, Math.max(0, total - threadSum - gc - rocksdb - jit), Long::sum);
    byComponent.put("total", total);
    return byComponent;
  }

  /**
   * CPU of the native threads whose names start with one of {@code prefixes}: the GC's (G1: "GC Thread#n", "G1
   * Conc#n", "G1 Refine#n", "G1 Main Marker", ...), RocksDB's ("rocksdb:low", "rocksdb:high").
   */
  static long nativeNanos(String... prefixes) {
    long ticks = 0;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String name = stat.substring(open + 1, close);
          if (java.util.Arrays.stream(prefixes).anyMatch(name::startsWith)) {
            String[] fields = stat.substring(close + 2).split(" ");
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
          }
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0; // not Linux
    }
    return ticks * (1_000_000_000L / TICKS_PER_SECOND);
  }

  static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> delta = new LinkedHashMap<>();
    after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
    return delta;
  }
}
