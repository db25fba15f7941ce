package io.tracestream.deploy;

import static io.tracestream.deploy.Staging.names;
import static io.tracestream.deploy.Staging.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb that {@code mvn package} builds, installed by dpkg into a scratch root ({@code --root}, maintainer
 * scripts run without chroot with {@code DPKG_ROOT} set): the same files, users, directories and owners as
 * install.sh, the units where packages keep theirs, enabled; removal and purge.
 */
class DebPackageIT {
  private static final Path TARGET = Path.of(System.getProperty("deb.dir", "target"));
  private static final List<String> PARTS = List.of("kafka", "bridge", "topology", "alerting");

  @TempDir
  Path dir;
  Path deb;
  Path root;

  @BeforeEach
  void findThePackageAndMakeAnEmptyDpkgDatabase() throws IOException {
    try (Stream<Path> s = Files.list(TARGET)) {
      List<Path> debs = s.filter(p -> p.getFileName().toString().matches("tracestream_.+_all\\.deb")).toList();
      assertThat(debs).as("one tracestream_<version>_all.deb in " + TARGET + " (mvn package)").hasSize(1);
      deb = debs.get(0);
    }
    root = dir.resolve("root");
    Files.createDirectories(root.resolve("var/lib/dpkg/info"));
    Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
    Files.createDirectories(root.resolve("var/log"));
    Files.writeString(root.resolve("var/lib/dpkg/status"), "");
    Files.writeString(root.resolve("var/lib/dpkg/available"), "");
  }

  @Test
  void theControlFileNamesThePackageItsVersionAndJava() throws Exception {
    String info = Staging.run(List.of(Staging.requireTool("dpkg-deb", "dpkg"), "--info", deb.toString()));

    String version = deb.getFileName().toString().replaceAll("^tracestream_(.+)_all\\.deb$", "$1");
    assertThat(info).contains(" Package: tracestream\n", " Version: " + version + "\n", " Architecture: all\n",
        " Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, passwd\n");
    assertThat(version).as("Maven's version, a SNAPSHOT sorting before its release")
        .matches("\\d+\\.\\d+\\.\\d+(~.+)?");
    assertThat(info).contains(" postinst", " prerm", " postrm", " conffiles");
  }

  @Test
  void dpkgInstallsWhatInstallShInstallsWithTheUnitsInUsrLib() throws Exception {
    // Given install.sh's result in another root, with the jar the package holds
    Path script = dir.resolve("script");
    Staging.install(script, Path.of(System.getProperty("tracestream.jar", "../launcher/target/tracestream.jar")));

    // When dpkg installs the package
    String out = dpkg("--install", deb.toString());

    // Then the same jar, README, host.sh, examples and config files, modes and owners, users and state
    assertThat(out).contains("Setting up tracestream");
    for (String tree : List.of("opt/tracestream", "etc/tracestream", "var/lib/tracestream")) {
      assertThat(snapshot(root.resolve(tree))).as(tree).isEqualTo(snapshot(script.resolve(tree)));
    }
    for (String db : List.of("etc/passwd", "etc/group")) {
      assertThat(Files.readAllLines(root.resolve(db))).as(db).isEqualTo(Files.readAllLines(script.resolve(db)));
    }
    for (String part : PARTS) {
      assertThat(Staging.ids(root, "tracestream-" + part)).as(part).isNotNull();
    }
    // And the units in /usr/lib/systemd/system, install.sh's default units enabled from there
    for (String unit : List.of("tracestream.target", "tracestream-kafka.service", "tracestream-bridge.service",
        "tracestream-topology@.service", "tracestream-alerting.service")) {
      assertThat(root.resolve("usr/lib/systemd/system/" + unit)).hasSameTextualContentAs(
          Staging.DEPLOY.resolve("systemd/" + unit));
    }
    Path wants = root.resolve("etc/systemd/system/tracestream.target.wants");
    assertThat(names(wants)).containsExactlyInAnyOrder("tracestream-bridge.service", "tracestream-kafka.service",
        "tracestream-topology@1.service");
    assertThat(Files.readSymbolicLink(wants.resolve("tracestream-topology@1.service")))
        .isEqualTo(Path.of("/usr/lib/systemd/system/tracestream-topology@.service"));
    assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/tracestream.target")).isSymbolicLink();
    // And dpkg knows the config files as conffiles: an operator's change survives upgrades
    assertThat(dpkg("--status", "tracestream")).contains("Status: install ok installed",
        " /etc/tracestream/bridge.properties ", " /etc/tracestream/alert-rules.yaml ");
  }

  @Test
  void anUpgradeKeepsTheOperatorsChangesAndTheEnablement() throws Exception {
    dpkg("--install", deb.toString());
    Path bridge = root.resolve("etc/tracestream/bridge.properties");
    Files.writeString(bridge, "kafka.bootstrap.servers=kafka1:9092\n");
    Files.delete(root.resolve("etc/systemd/system/tracestream.target.wants/tracestream-kafka.service"));

    dpkg("--install", "--force-confold", deb.toString());

    assertThat(bridge).hasContent("kafka.bootstrap.servers=kafka1:9092");
    assertThat(names(root.resolve("etc/systemd/system/tracestream.target.wants")))
        .as("a unit the operator disabled stays disabled").doesNotContain("tracestream-kafka.service");
  }

  @Test
  void removeKeepsConfigStateAndUsersAndPurgeRemovesConfigAndState() throws Exception {
    dpkg("--install", deb.toString());
    Path segment = Files.writeString(root.resolve("var/lib/tracestream/kafka/logs/otlp_spans-0.log"), "spans");

    dpkg("--remove", "tracestream");

    assertThat(root.resolve("opt/tracestream")).doesNotExist();
    assertThat(root.resolve("usr/lib/systemd/system/tracestream.target")).doesNotExist();
    assertThat(root.resolve("etc/systemd/system/tracestream.target.wants")).doesNotExist();
    assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/tracestream.target")).doesNotExist();
    assertThat(segment).hasContent("spans");
    assertThat(root.resolve("etc/tracestream/kafka.properties")).isRegularFile();

    dpkg("--purge", "tracestream");

    assertThat(root.resolve("var/lib/tracestream")).doesNotExist();
    assertThat(root.resolve("etc/tracestream")).doesNotExist();
    assertThat(Staging.ids(root, "tracestream-bridge")).as("Debian keeps system users").isNotNull();
  }

  /** dpkg on the scratch root; the root has no Java, so its dependency is not checked. */
  private String dpkg(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Staging.requireTool("dpkg", "dpkg"), "--root=" + root,
        "--force-script-chrootless", "--force-depends"));
    cmd.addAll(List.of(args));
    return Staging.run(cmd);
  }
}
