package io.tracestream.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The figures a fault test measured, written as one section of {@code docs/RELIABILITY.md}.
 *
 * <p>Every run writes the section to {@code target/reliability/<name>.md}. With
 * {@code -Dreliability.write=true} (set by the {@code faults} profile) the test also replaces the text
 * between {@code <!-- fault:name -->} and {@code <!-- /fault:name -->} in the document named by
 * {@code -Dreliability.doc} (default {@code ../docs/RELIABILITY.md}, the project root seen from a
 * module), so the document always shows the figures of the last run.
 */
public final class ReliabilityReport {
  private ReliabilityReport() {}

  public static void write(String name, String markdown) {
    String body = markdown.strip() + "\n\n_Measured " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
        + " by `" + name + "`, Java " + System.getProperty("java.version") + ", "
        + Runtime.getRuntime().availableProcessors() + " cores._\n";
    try {
      Path target = Path.of("target", "reliability", name + ".md");
      Files.createDirectories(target.getParent());
      Files.writeString(target, body, StandardCharsets.UTF_8);
      if (Boolean.getBoolean("reliability.write")) {
        replaceSection(Path.of(System.getProperty("reliability.doc", "../docs/RELIABILITY.md")), name, body);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void replaceSection(Path doc, String name, String body) throws IOException {
    String begin = "<!-- fault:" + name + " -->";
    String end = "<!-- /fault:" + name + " -->";
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalStateException(doc + " has no section " + begin + " ... " + end);
    }
    Files.writeString(doc, text.substring(0, from + begin.length()) + "\n" + body + text.substring(to),
        StandardCharsets.UTF_8);
  }
}
