package io.tracestream.topology.exporter;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent reader of the text exposition format 0.0.4 for tests: returns the problems it finds
 * (empty when the text is valid), and runs the real {@code promtool check metrics} when it is on PATH.
 */
final class ExpositionCheck {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(?:\\{(.*)})? (\\S+)");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern GO_FLOAT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  private ExpositionCheck() {}

  /** Problems in {@code text} by our own reading of the format. */
  static List<String> problems(String text) {
    List<String> problems = new ArrayList<>();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      problems.add("text does not end with a line feed");
    }
    Map<String, String> types = new HashMap<>();
    Set<String> helps = new HashSet<>();
    Set<String> finished = new HashSet<>();
    Set<String> seen = new HashSet<>();
    Map<String, Histogram> histograms = new LinkedHashMap<>();
    String current = null;
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty()) {
        continue;
      }
      String at = "line " + lineNo + " '" + line + "': ";
      Matcher m;
      if ((m = HELP.matcher(line)).matches()) {
        if (!helps.add(m.group(1))) {
          problems.add(at + "second HELP for the family");
        }
        if (!validEscapes(m.group(2), false)) {
          problems.add(at + "bad escape in help");
        }
        current = switchFamily(current, m.group(1), finished, problems, at);
      } else if ((m = TYPE.matcher(line)).matches()) {
        if (types.putIfAbsent(m.group(1), m.group(2)) != null) {
          problems.add(at + "second TYPE for the family");
        }
        current = switchFamily(current, m.group(1), finished, problems, at);
      } else if (line.startsWith("#")) {
        problems.add(at + "comment that is neither HELP nor TYPE");
      } else if ((m = SAMPLE.matcher(line)).matches()) {
        String name = m.group(1);
        String family = familyOf(name, types);
        if (family == null) {
          problems.add(at + "sample of no TYPEd family");
          continue;
        }
        current = switchFamily(current, family, finished, problems, at);
        Map<String, String> labels = labels(m.group(2) == null ? "" : m.group(2), problems, at);
        Optional<Double> value = value(m.group(3));
        if (value.isEmpty()) {
          problems.add(at + "value is not a Go float");
          continue;
        }
        if (!seen.add(name + labels)) {
          problems.add(at + "duplicate series");
        }
        if (types.get(family).equals("histogram")) {
          Map<String, String> series = new LinkedHashMap<>(labels);
          String le = series.remove("le");
          Histogram h = histograms.computeIfAbsent(family + series, k -> new Histogram());
          if (name.endsWith("_bucket")) {
            Optional<Double> bound = le == null ? Optional.empty() : value(le);
            if (bound.isEmpty()) {
              problems.add(at + "bucket without a numeric le");
            } else {
              h.buckets.add(new double[] {bound.get(), value.get()});
            }
          } else if (name.endsWith("_count")) {
            h.count = value.get();
          }
        }
      } else {
        problems.add(at + "not a sample");
      }
    }
    histograms.forEach((series, h) -> problems.addAll(h.problems(series)));
    return problems;
  }

  private static String switchFamily(String current, String next, Set<String> finished, List<String> problems,
      String at) {
    if (next.equals(current)) {
      return current;
    }
    if (current != null) {
      finished.add(current);
    }
    if (finished.contains(next)) {
      problems.add(at + "family " + next + " continues after another family");
    }
    return next;
  }

  private static String familyOf(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (name.endsWith(suffix)) {
        String family = name.substring(0, name.length() - suffix.length());
        String type = types.get(family);
        if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
          return family;
        }
      }
    }
    return null;
  }

  private static Map<String, String> labels(String s, List<String> problems, String at) {
    Map<String, String> labels = new LinkedHashMap<>();
    int i = 0;
    while (i < s.length()) {
      int eq = s.indexOf("=\"", i);
      if (eq < 0 || !LABEL_NAME.matcher(s.substring(i, eq)).matches()) {
        problems.add(at + "bad label name");
        return labels;
      }
      String name = s.substring(i, eq);
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      while (j < s.length() && s.charAt(j) != '"') {
        char c = s.charAt(j);
        if (c == '\\') {
          char next = j + 1 < s.length() ? s.charAt(j + 1) : ' ';
          switch (next) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> problems.add(at + "bad escape in label value");
          }
          j += 2;
        } else {
          value.append(c);
          j++;
        }
      }
      if (j >= s.length()) {
        problems.add(at + "unterminated label value");
        return labels;
      }
      if (labels.put(name, value.toString()) != null) {
        problems.add(at + "label " + name + " twice");
      }
      i = j + 1;
      if (i < s.length()) {
        if (s.charAt(i) != ',') {
          problems.add(at + "labels not separated by a comma");
          return labels;
        }
        i++;
      }
    }
    return labels;
  }

  private static boolean validEscapes(String s, boolean quote) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\\') {
        char next = i + 1 < s.length() ? s.charAt(i + 1) : ' ';
        if (next != '\\' && next != 'n' && !(quote && next == '"')) {
          return false;
        }
        i++;
      }
    }
    return true;
  }

  private static Optional<Double> value(String s) {
    return switch (s) {
      case "+Inf" -> Optional.of(Double.POSITIVE_INFINITY);
      case "-Inf" -> Optional.of(Double.NEGATIVE_INFINITY);
      case "NaN" -> Optional.of(Double.NaN);
      default -> GO_FLOAT.matcher(s).matches() ? Optional.of(Double.parseDouble(s)) : Optional.empty();
    };
  }

  private static final class Histogram {
    final List<double[]> buckets = new ArrayList<>();
    Double count;

    List<String> problems(String series) {
      List<String> problems = new ArrayList<>();
      for (int i = 1; i < buckets.size(); i++) {
        if (buckets.get(i)[0] <= buckets.get(i - 1)[0] || buckets.get(i)[1] < buckets.get(i - 1)[1]) {
          problems.add(series + ": buckets not in increasing le order with cumulative counts");
        }
      }
      if (buckets.isEmpty() || buckets.get(buckets.size() - 1)[0] != Double.POSITIVE_INFINITY) {
        problems.add(series + ": no +Inf bucket last");
      } else if (count == null || count != buckets.get(buckets.size() - 1)[1]) {
        problems.add(series + ": _count " + count + " differs from the +Inf bucket");
      }
      return problems;
    }
  }

  /** promtool on PATH, if any. */
  static Optional<Path> promtool() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Runs {@code promtool check metrics}; returns its exit code and its output, stdout and stderr merged. */
  static Map.Entry<Integer, String> runPromtool(Path promtool, String text) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (var in = process.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool did not finish in 30 s");
    }
    return Map.entry(process.exitValue(), output);
  }
}
