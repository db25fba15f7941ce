package io.tracestream.alerting.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The rules of one file, validated, by name. */
public final class RuleSet {
  private final Map<String, AlertRule> byName = new LinkedHashMap<>();

  private RuleSet(List<AlertRule> rules) {
    rules.forEach(r -> byName.put(r.name(), r));
  }

  /**
   * Reads and validates a rule file.
   *
   * @throws RuleFileException naming the file, the line and the reason
   */
  public static RuleSet load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new RuleFileException(file.toString(), 1, "cannot read the rule file: " + e);
    }
    return parse(text, file.toString());
  }

  /** @param source how messages name the text, such as its file name */
  public static RuleSet parse(String text, String source) {
    return new RuleSet(new RuleParser(source).parse(text));
  }

  public List<AlertRule> rules() {
    return List.copyOf(byName.values());
  }

  public Optional<AlertRule> rule(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public int size() {
    return byName.size();
  }
}
