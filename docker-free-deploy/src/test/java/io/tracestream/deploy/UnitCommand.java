package io.tracestream.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What systemd would run for one unit installed under a staging root, read from the unit file itself:
 * ExecStartPre and ExecStart with specifiers and $VARIABLES expanded, the environment from its
 * EnvironmentFile=s, its WorkingDirectory=. Absolute paths that exist under the root are taken from the
 * root (the jar, /etc/tracestream); the others (/usr/bin/java) from this host.
 */
record UnitCommand(
    String unit,
    List<List<String>> execStartPre,
    List<String> execStart,
    Path workingDirectory,
    Map<String, String> environment,
    Set<Integer> successExitStatus,
    Duration timeoutStop) {

  private static final Pattern SPECIFIER = Pattern.compile("%(.)");
  private static final Pattern BRACED = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern PLAIN = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)");

  /** @param instance the instance of a template unit (name@.service), or null */
  static UnitCommand of(Path root, String unitFile, String instance) throws IOException {
    UnitFile unit = UnitFile.read(root.resolve("etc/systemd/system").resolve(unitFile));
    String name = instance == null ? unitFile : unitFile.replace("@.", "@" + instance + ".");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin");
    env.put("LANG", "C.UTF-8");
    List<String> stateDirs = unit.serviceList("StateDirectory").stream()
        .map(d -> root + "/var/lib/" + specifiers(d, root, instance, name)).toList();
    if (!stateDirs.isEmpty()) {
      env.put("STATE_DIRECTORY", String.join(":", stateDirs));
    }
    for (String file : unit.all("Service", "EnvironmentFile")) {
      boolean optional = file.startsWith("-");
      Path path = onRoot(root, specifiers(optional ? file.substring(1) : file, root, instance, name));
      if (!Files.exists(path) && optional) {
        continue;
      }
      env.putAll(readEnvironmentFile(path));
    }
    List<List<String>> pre = new ArrayList<>();
    for (String line : unit.all("Service", "ExecStartPre")) {
      pre.add(command(line, root, instance, name, env));
    }
    Set<Integer> success = new TreeSet<>(Set.of(0));
    unit.serviceList("SuccessExitStatus").forEach(s -> success.add(Integer.parseInt(s)));
    return new UnitCommand(name, pre, command(unit.service("ExecStart"), root, instance, name, env),
        onRoot(root, specifiers(unit.service("WorkingDirectory"), root, instance, name)), env, success,
        duration(unit.service("TimeoutStopSec")));
  }

  private static List<String> command(String line, Path root, String instance, String name, Map<String, String> env) {
    List<String> words = new ArrayList<>();
    for (String word : split(line)) {
      String w = specifiers(word, root, instance, name);
      Matcher plain = PLAIN.matcher(w);
      if (plain.matches()) { // $VAR alone: the value split at whitespace into words, as systemd does
        String value = env.getOrDefault(plain.group(1), "").strip();
        if (!value.isEmpty()) {
          words.addAll(List.of(value.split("\\s+")));
        }
        continue;
      }
      words.add(BRACED.matcher(w).replaceAll(m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), ""))));
    }
    words.set(0, words.get(0).replaceFirst("^[-@:+!]+", ""));
    return words.stream().map(w -> w.startsWith("/") ? onRoot(root, w).toString() : w).toList();
  }

  /** %i, %I, %n, %S and %%; any other specifier fails, so a new one in a unit is handled here too. */
  static String specifiers(String s, Path root, String instance, String name) {
    return SPECIFIER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(switch (m.group(1)) {
      case "i", "I" -> {
        if (instance == null) {
          throw new IllegalArgumentException("%i in a unit without an instance: " + s);
        }
        yield instance;
      }
      case "n" -> name;
      case "S" -> root + "/var/lib";
      case "%" -> "%";
      default -> throw new IllegalArgumentException("specifier %" + m.group(1) + " is not handled: " + s);
    }));
  }

  private static Path onRoot(Path root, String path) {
    if (path.startsWith(root.toString())) {
      return Path.of(path);
    }
    Path staged = Path.of(root + path);
    return Files.exists(staged) ? staged : Path.of(path);
  }

  /** systemd's EnvironmentFile= format: KEY=VALUE lines, # and ; comments, optional quotes, no expansion. */
  static Map<String, String> readEnvironmentFile(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String raw : Files.readAllLines(file)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(file + ": not KEY=VALUE: " + raw);
      }
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      env.put(line.substring(0, eq).strip(), value);
    }
    return env;
  }

  /** Words of a command line: whitespace-separated, double or single quotes group. */
  private static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    char quote = 0;
    boolean inWord = false;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
      } else {
        w.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }

  /** systemd time spans as the units write them: 45s, 2min, 1m30s is not used. */
  static Duration duration(String span) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|min|m|h)?").matcher(span.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("time span not understood: " + span);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "min", "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
