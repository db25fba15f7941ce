package io.tracestream.deploy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A unit's {@code SystemCallFilter=} as the set of system call names it allows, and the check of what a process
 * called against it, with the calls outside the filter that are known and explained ({@code outsideWithReason}:
 * name to what happens when the call fails with EPERM).
 */
record SyscallFilter(Set<String> allowed, Map<String, String> outsideWithReason) {
  /** {@code 1234 openat(...) = 3}, {@code 1234 syscall_0x1b6(...)}: the pid (strace -f) and the call's name. */
  private static final Pattern CALL = Pattern.compile("(?:\\d+ +)?([a-z_][a-z0-9_]*)\\(.*");
  /** {@code 1234 <... futex resumed>) = 0}: the rest of a call whose start had its own line. */
  private static final Pattern RESUMED = Pattern.compile("(?:\\d+ +)?<\\.\\.\\. ([a-z_][a-z0-9_]*) resumed>.*");
  /** {@code 1234 --- SIGTERM {...} ---}, {@code 1234 +++ exited with 0 +++}: signals and exits, no call. */
  private static final Pattern EVENT = Pattern.compile("(?:\\d+ +)?(---|\\+\\+\\+) .*");

  /**
   * The allow list of the given groups and names, each {@code @group} expanded recursively. A deny list
   * ({@code ~@mount}) or an errno per entry ({@code @mount:EPERM}) fails: this class does not read them.
   *
   * @param listing the output of {@code systemd-analyze syscall-filter @group}: the group's name, then one
   *     name or nested {@code @group} per indented line, {@code #} comments
   */
  static Set<String> expand(List<String> filter, Function<String, String> listing) {
    Set<String> names = new TreeSet<>();
    Set<String> seen = new LinkedHashSet<>();
    filter.forEach(entry -> expand(entry, listing, names, seen));
    return names;
  }

  private static void expand(String entry, Function<String, String> listing, Set<String> names, Set<String> seen) {
    if (entry.startsWith("~") || entry.contains(":")) {
      throw new IllegalArgumentException("only an allow list of names and groups is read here: " + entry);
    }
    if (!entry.startsWith("@")) {
      names.add(entry);
      return;
    }
    if (!seen.add(entry)) {
      return; // a group nested twice (@default is in several) adds nothing the second time
    }
    List<String> lines = listing.apply(entry).lines().toList();
    if (lines.isEmpty() || !lines.get(0).strip().equals(entry)) {
      throw new IllegalArgumentException("the listing of " + entry + " does not start with its name: " + lines);
    }
    lines.stream().skip(1).map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .forEach(l -> expand(l, listing, names, seen));
  }

  /** The names of the system calls in strace's output ({@code strace -f -o FILE}); an unknown line fails. */
  static Set<String> calls(Stream<String> straceOutput) {
    Set<String> calls = new TreeSet<>();
    for (String line : (Iterable<String>) straceOutput::iterator) {
      Matcher call = CALL.matcher(line);
      Matcher resumed = RESUMED.matcher(line);
      if (call.matches()) {
        calls.add(call.group(1)); // also syscall_0x1b6: a number strace has no name for is outside every filter
      } else if (resumed.matches()) {
        calls.add(resumed.group(1));
      } else if (!EVENT.matcher(line).matches() && !line.isBlank()) {
        throw new IllegalArgumentException("not a line of strace -f output: " + line);
      }
    }
    return calls;
  }

  /**
   * Fails, naming them, when the process made calls outside the filter that {@code outsideWithReason} does not
   * explain: under systemd each would fail with EPERM, and nobody has checked that the process copes.
   */
  void verify(String process, Set<String> calls) {
    Set<String> unexplained = new TreeSet<>(calls);
    unexplained.removeAll(allowed);
    unexplained.removeAll(outsideWithReason.keySet());
    if (!unexplained.isEmpty()) {
      throw new AssertionError(process + " made system calls outside its SystemCallFilter= that no reason explains: "
          + unexplained + "; under systemd each fails with EPERM. Find out what the process does when it does,"
          + " then name the call with that in the list of calls outside the filter, or add it to the units' filter");
    }
  }

  /** The calls outside the filter that the process made, with their reasons. */
  Map<String, String> explained(Set<String> calls) {
    Map<String, String> out = new TreeMap<>(outsideWithReason);
    out.keySet().retainAll(calls);
    return out;
  }
}
