package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The comparison SyscallFilterIT makes, on strace output and systemd-analyze listings written here. */
class SyscallFilterTest {
  private static final Map<String, String> LISTINGS = Map.of(
      "@service", """
          @service
              # General system service operations
              @io
              @default
              uname
          """,
      "@io", """
          @io
              # Basic IO
              openat
              read
              @default
          """,
      "@default", """
          @default
              # System calls that are always permitted
              futex
              exit_group
          """);

  private static final List<String> STRACE = List.of(
      "1234 execve(\"/usr/bin/java\", [\"/usr/bin/java\", \"-jar\"], 0x7ffd /* 3 vars */) = 0",
      "1234 openat(AT_FDCWD, \"/etc/tracestream/bridge.properties\", O_RDONLY) = 3",
      "1235 futex(0x7f3c, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY "
          + "<unfinished ...>",
      "1234 read(3, \"\"..., 8192)        = 120",
      "1235 <... futex resumed>)              = 0",
      "1236 <... sched_getaffinity resumed>[0, 1]) = 8",
      "1234 syscall_0x1b6(0x1, 0x2, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)",
      "1234 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=99, si_uid=0} ---",
      "1235 +++ exited with 143 +++",
      "1234 exit_group(143)                  = ?");

  private final SyscallFilter filter = new SyscallFilter(
      SyscallFilter.expand(List.of("@service"), LISTINGS::get),
      Map.of("execve", "strace's own exec of the command", "sched_getaffinity", "a test reason",
          "syscall_0x1b6", "a test reason"));

  @Test
  void nestedGroupsAreExpandedListingEachOnceAndCommentsAndTheHeaderAreNoNames() {
    List<String> listed = new ArrayList<>();

    Set<String> allowed = SyscallFilter.expand(List.of("@service"), group -> {
      listed.add(group);
      return LISTINGS.get(group);
    });

    assertThat(allowed).containsExactlyInAnyOrder("openat", "read", "futex", "exit_group", "uname");
    assertThat(listed).containsExactlyInAnyOrder("@service", "@io", "@default");
  }

  @Test
  void everyCallIsReadIncludingResumedOnesAndUnnamedNumbersButNotSignalsOrExits() {
    assertThat(SyscallFilter.calls(STRACE.stream())).containsExactlyInAnyOrder("execve", "openat", "futex", "read",
        "sched_getaffinity", "syscall_0x1b6", "exit_group");
  }

  @Test
  void callsInsideTheFilterOrExplainedLeaveNothingUnexplained() {
    Set<String> calls = SyscallFilter.calls(STRACE.stream());

    filter.verify("the bridge", calls);
    assertThat(filter.explained(calls)).containsOnlyKeys("execve", "sched_getaffinity", "syscall_0x1b6");
  }

  @Test
  void aMountOutsideTheFilterThatTheListDoesNotNameFails() {
    List<String> withMount = new ArrayList<>(STRACE);
    withMount.add("1237 mount(\"tmpfs\", \"/mnt\", \"tmpfs\", 0, NULL) = -1 EPERM (Operation not permitted)");

    assertThatThrownBy(() -> filter.verify("the bridge", SyscallFilter.calls(withMount.stream())))
        .hasMessageContaining("the bridge").hasMessageContaining("[mount]");
  }

  @Test
  void callsOutsideTheFilterFailUnlessListedAlsoANumberStraceCannotName() {
    SyscallFilter withoutReasons = new SyscallFilter(filter.allowed(), Map.of());

    assertThatThrownBy(() -> withoutReasons.verify("the bridge", SyscallFilter.calls(STRACE.stream())))
        .hasMessageContaining("[execve, sched_getaffinity, syscall_0x1b6]");
  }

  @Test
  void aLineThatIsNeitherACallNorASignalNorAnExitFails() {
    assertThatThrownBy(() -> SyscallFilter.calls(Stream.of("1234 ????( <unfinished ...>")))
        .hasMessageContaining("????(");
  }

  @Test
  void aDenyListIsNotReadAsAnAllowList() {
    assertThatThrownBy(() -> SyscallFilter.expand(List.of("@service", "~@mount"), LISTINGS::get))
        .hasMessageContaining("~@mount");
  }

  @Test
  void aListingThatIsNotTheGroupsFails() {
    assertThatThrownBy(() -> SyscallFilter.expand(List.of("@nope"), g -> "Filter set \"@nope\" not found.\n"))
        .hasMessageContaining("@nope");
  }
}
