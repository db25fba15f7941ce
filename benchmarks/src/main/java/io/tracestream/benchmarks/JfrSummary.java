package io.tracestream.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The hot spots of a JFR recording: the execution samples ({@code jdk.ExecutionSample}, threads
 * running Java code) counted by component (from the thread's name, as {@link ThreadCpu} groups CPU
 * time), by top frame (self time) and, per component, by the first frame in tracestream code (where
 * the component's own code spends its time, including what it calls). JDK 17's {@code jfr} tool has
 * no {@code view hot-methods}; this is that view, grouped.
 */
final class JfrSummary {
  private static final int TOP = 12;
  private static final int TOP_PER_COMPONENT = 6;

  private JfrSummary() {}

  static String summarize(Path recording, Function<String, String> component) throws IOException {
    Map<String, Integer> byComponent = new HashMap<>();
    Map<String, Integer> selfFrames = new HashMap<>();
    Map<String, Map<String, Integer>> ownFrames = new HashMap<>();
    int total = 0;
    int nativeSamples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      String type = event.getEventType().getName();
      if (type.equals("jdk.NativeMethodSample")) {
        nativeSamples++;
        continue;
      }
      if (!type.equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      total++;
      String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
      String c = component.apply(thread == null ? "?" : thread);
      byComponent.merge(c, 1, Integer::sum);
      selfFrames.merge(frame(stack.getFrames().get(0)), 1, Integer::sum);
      String own = "(no tracestream frame)";
      for (RecordedFrame f : stack.getFrames()) {
        if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("io.tracestream.")
            && !f.getMethod().getType().getName().startsWith("io.tracestream.benchmarks.")) {
          own = frame(f);
          break;
        }
      }
      ownFrames.computeIfAbsent(c, k -> new HashMap<>()).merge(own, 1, Integer::sum);
    }
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%,d execution samples (threads in Java code) and %,d native-method samples"
        + " (threads blocked or in native code such as RocksDB, sockets) over the measured interval.%n%n", total,
        nativeSamples));
    md.append("| component | share of execution samples |\n| --- | ---: |\n");
    for (Map.Entry<String, Integer> e : sorted(byComponent)) {
      md.append(String.format(Locale.ROOT, "| %s | %.1f %% |%n", e.getKey(), 100.0 * e.getValue() / total));
    }
    md.append("\nTop frames (self time), all threads:\n\n| frame | share |\n| --- | ---: |\n");
    for (Map.Entry<String, Integer> e : sorted(selfFrames).subList(0, Math.min(TOP, selfFrames.size()))) {
      md.append(String.format(Locale.ROOT, "| `%s` | %.1f %% |%n", e.getKey(), 100.0 * e.getValue() / total));
    }
    md.append("\nPer component, the innermost tracestream frame on the stack (its code and what it calls):\n\n"
        + "| component | frame | share of the component |\n| --- | --- | ---: |\n");
    for (Map.Entry<String, Integer> c : sorted(byComponent)) {
      Map<String, Integer> frames = ownFrames.get(c.getKey());
      List<Map.Entry<String, Integer>> top = sorted(frames);
      for (Map.Entry<String, Integer> e : top.subList(0, Math.min(TOP_PER_COMPONENT, top.size()))) {
        md.append(String.format(Locale.ROOT, "| %s | `%s` | %.1f %% |%n", c.getKey(), e.getKey(),
            100.0 * e.getValue() / c.getValue()));
      }
    }
    return md.toString();
  }

  private static String frame(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  private static List<Map.Entry<String, Integer>> sorted(Map<String, Integer> counts) {
    return new LinkedHashMap<>(counts).entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())).toList();
  }
}
