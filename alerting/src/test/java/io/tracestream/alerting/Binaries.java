package io.tracestream.alerting;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds an external program on the PATH. A test that needs one fails when it is missing rather than
 * skipping: CI installs it (.ci/run), so a skip would only hide that the test never ran.
 */
public final class Binaries {
  private Binaries() {}

  /** The first of {@code names} found on the PATH; fails the test naming the Debian package otherwise. */
  public static Path require(String debianPackage, String... names) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String name : names) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return fail("none of " + String.join(", ", names) + " is on the PATH; install the Debian package "
        + debianPackage + " (apt-get install " + debianPackage + ", as .ci/run does)");
  }
}
