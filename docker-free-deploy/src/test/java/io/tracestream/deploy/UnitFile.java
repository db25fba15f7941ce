package io.tracestream.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A systemd unit file as sections of (key, value) entries in order; a key may repeat. */
record UnitFile(String name, Map<String, List<Map.Entry<String, String>>> sections) {

  static UnitFile read(Path file) throws IOException {
    Map<String, List<Map.Entry<String, String>>> sections = new LinkedHashMap<>();
    List<Map.Entry<String, String>> current = null;
    StringBuilder continued = new StringBuilder();
    for (String raw : Files.readAllLines(file)) {
      String line = raw.strip();
      if (continued.length() > 0) {
        line = continued + " " + line;
        continued.setLength(0);
      }
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.endsWith("\\")) {
        continued.append(line, 0, line.length() - 1);
        continue;
      }
      if (line.startsWith("[")) {
        current = sections.computeIfAbsent(line.substring(1, line.indexOf(']')), s -> new ArrayList<>());
        continue;
      }
      int eq = line.indexOf('=');
      if (current == null || eq <= 0) {
        throw new IllegalArgumentException(file + ": cannot read line '" + raw + "'");
      }
      current.add(Map.entry(line.substring(0, eq).strip(), line.substring(eq + 1).strip()));
    }
    return new UnitFile(file.getFileName().toString(), sections);
  }

  /** Every value of key in section, in order. */
  List<String> all(String section, String key) {
    return sections.getOrDefault(section, List.of()).stream()
        .filter(e -> e.getKey().equals(key))
        .map(Map.Entry::getValue)
        .toList();
  }

  /** The effective value: the last assignment. */
  Optional<String> get(String section, String key) {
    List<String> values = all(section, key);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
  }

  String service(String key) {
    return get("Service", key).orElseThrow(() -> new AssertionError(name + " has no " + key + "="));
  }

  /** Space-separated list directives (StateDirectory=, SuccessExitStatus=) over all their lines. */
  List<String> serviceList(String key) {
    return all("Service", key).stream().flatMap(v -> List.of(v.split("\\s+")).stream()).filter(s -> !s.isEmpty()).toList();
  }
}
