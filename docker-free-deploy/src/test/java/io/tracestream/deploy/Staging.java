package io.tracestream.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the deploy folder's scripts against a staging root, and the tools the tests check with. */
final class Staging {
  static final Path DEPLOY = Path.of(System.getProperty("deploy.dir", ".")).toAbsolutePath().normalize();

  private Staging() {}

  /** install.sh --root root, with the given extra options; fails on a non-zero exit. */
  static String install(Path root, Path jar, String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(DEPLOY.resolve("install.sh").toString(), "--root", root.toString(),
        "--jar", jar.toString()));
    cmd.addAll(List.of(options));
    return run(cmd);
  }

  static String uninstall(Path root, String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(DEPLOY.resolve("uninstall.sh").toString(), "--root", root.toString()));
    cmd.addAll(List.of(options));
    return run(cmd);
  }

  /** Runs a command, returns its output (stdout and stderr); fails naming the command on a non-zero exit. */
  static String run(List<String> cmd) throws Exception {
    Result r = exec(cmd);
    if (r.exit() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit() + ":\n" + r.output());
    }
    return r.output();
  }

  record Result(int exit, String output) {}

  static Result exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish in 60 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /**
   * The absolute path of a tool that CI installs (.ci/run); missing, the test fails rather than skips,
   * since a check that never runs checks nothing.
   */
  static String requireTool(String name, String debianPackage) {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new AssertionError(name + " is missing: apt-get install " + debianPackage + " (.ci/run installs it)");
  }

  static Path fakeJar(Path dir) throws IOException {
    return Files.writeString(dir.resolve("tracestream.jar"), "not a jar; the layout tests do not run it");
  }

  /** The uid and gid of user in root's etc/passwd, or null. */
  static int[] ids(Path root, String user) throws IOException {
    for (String line : Files.readAllLines(root.resolve("etc/passwd"))) {
      String[] f = line.split(":");
      if (f[0].equals(user)) {
        return new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])};
      }
    }
    return null;
  }

  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  /** path -> link target, or mode, owner, group and content of every file under dir. */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        String what = Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p)
            : mode(p) + " " + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                + ":" + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)
                + (Files.isRegularFile(p) ? " " + Arrays.hashCode(Files.readAllBytes(p)) : "");
        out.put(dir.relativize(p).toString(), what);
      }
    }
    return out;
  }
}
