package io.tracestream.deploy;

import static io.tracestream.deploy.Staging.mode;
import static io.tracestream.deploy.Staging.names;
import static io.tracestream.deploy.Staging.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** install.sh and uninstall.sh against a staging root (--root): every file, user reference and path. */
class InstallTest {
  private static final List<String> UNITS = List.of("tracestream.target", "tracestream-kafka.service",
      "tracestream-bridge.service", "tracestream-topology@.service", "tracestream-alerting.service");
  private static final List<String> CONFIG = List.of("bridge.properties", "bridge.env", "topology.properties",
      "topology.env", "alerting.properties", "alerting.env", "kafka.properties", "kafka.env");
  private static final List<String> PARTS = List.of("kafka", "bridge", "topology", "alerting");
  private static final boolean ROOT_USER = "root".equals(System.getProperty("user.name"));

  @TempDir
  Path dir;

  @Test
  void installsTheJarUnitsConfigAndStateDirectoriesAndASecondRunChangesNothing() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir), "--topology-instances", "2");
    Map<String, String> first = snapshot(root);

    Staging.install(root, Staging.fakeJar(dir), "--topology-instances", "2");

    assertThat(snapshot(root)).isEqualTo(first);
    assertThat(root.resolve("opt/tracestream/tracestream.jar")).hasContent("not a jar; the layout tests do not run it");
    assertThat(root.resolve("opt/tracestream/README.md")).isRegularFile();
    for (String unit : UNITS) {
      assertThat(root.resolve("etc/systemd/system/" + unit))
          .hasSameTextualContentAs(Staging.DEPLOY.resolve("systemd/" + unit));
    }
    for (String file : CONFIG) {
      assertThat(root.resolve("etc/tracestream/" + file))
          .hasSameTextualContentAs(Staging.DEPLOY.resolve("etc/" + file));
      assertThat(mode(root.resolve("etc/tracestream/" + file))).as(file + " may hold secrets").isEqualTo("rw-r-----");
    }
    assertThat(root.resolve("etc/tracestream/alert-rules.yaml")).as("the default alert rules")
        .hasSameTextualContentAs(Staging.DEPLOY
            .resolve("../alerting/src/main/resources/io/tracestream/alerting/default-rules.yaml"));
    assertThat(root.resolve("etc/tracestream/topology-2.env")).content()
        .contains("TRACESTREAM_TOPOLOGY_ADMIN_PORT=9472");
    assertThat(root.resolve("opt/tracestream/examples/jaeger/jaeger-kafka.yaml")).isRegularFile();
    assertThat(root.resolve("opt/tracestream/examples/prometheus/tracestream-scrape.yml")).isRegularFile();
    assertThat(root.resolve("opt/tracestream/examples/jaeger.service")).isRegularFile();
  }

  @Test
  void eachPartHasASystemUserOfItsOwnThatCannotLogIn() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir));

    String passwd = Files.readString(root.resolve("etc/passwd"));
    for (String part : PARTS) {
      assertThat(passwd).containsPattern("(?m)^tracestream-" + part + ":x:\\d+:\\d+:tracestream " + part
          + ":/var/lib/tracestream:/usr/sbin/nologin$");
      assertThat(Files.readString(root.resolve("etc/group"))).containsPattern("(?m)^tracestream-" + part + ":x:\\d+:$");
      assertThat(Staging.ids(root, "tracestream-" + part)[0]).as("a system uid").isLessThan(1000);
    }
    assertThat(passwd).doesNotContainPattern("(?m)^tracestream:");
  }

  /** Issue 17: every unit ran as one user, so the network-facing bridge could read every secret and state. */
  @Test
  void eachPartsStateAndConfigBelongToItsUserAloneSoTheBridgeReadsNeither() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir), "--topology-instances", "2");

    assertThat(mode(root.resolve("var/lib/tracestream"))).as("traversable, not listable").isEqualTo("rwx--x--x");
    assertThat(mode(root.resolve("etc/tracestream"))).as("traversable, not listable").isEqualTo("rwx--x--x");
    Map<String, List<String>> state = Map.of(
        "bridge", List.of("bridge", "bridge/tmp"),
        "kafka", List.of("kafka", "kafka/logs", "kafka/tmp"),
        "topology", List.of("topology-1", "topology-1/streams", "topology-1/tmp", "topology-2", "topology-2/tmp"),
        "alerting", List.of("alerting", "alerting/state", "alerting/tmp"));
    Map<String, List<String>> config = Map.of(
        "bridge", List.of("bridge.properties", "bridge.env"),
        "kafka", List.of("kafka.properties", "kafka.env"),
        "topology", List.of("topology.properties", "topology.env", "topology-2.env"),
        "alerting", List.of("alerting.properties", "alerting.env", "alert-rules.yaml"));
    for (String part : PARTS) {
      int[] ids = Staging.ids(root, "tracestream-" + part);
      for (String d : state.get(part)) {
        Path p = root.resolve("var/lib/tracestream/" + d);
        assertThat(mode(p)).as(p.toString()).isEqualTo("rwxr-x---");
        if (ROOT_USER) {
          assertThat(Files.getAttribute(p, "unix:uid")).as(p + " owner").isEqualTo(ids[0]);
          assertThat(Files.getAttribute(p, "unix:gid")).as(p + " group").isEqualTo(ids[1]);
        }
      }
      for (String f : config.get(part)) {
        Path p = root.resolve("etc/tracestream/" + f);
        assertThat(mode(p)).as(p.toString()).isEqualTo("rw-r-----");
        if (ROOT_USER) {
          assertThat(Files.getAttribute(p, "unix:uid")).as(p + " owner").isEqualTo(0);
          assertThat(Files.getAttribute(p, "unix:gid")).as(p + " group").isEqualTo(ids[1]);
        }
      }
    }
  }

  @Test
  void anInstallOfTheSharedUserEraIsHandedOverToThePartsUsers() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir));
    Path config = root.resolve("etc/tracestream/bridge.properties");
    Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
    Path segment = Files.writeString(root.resolve("var/lib/tracestream/kafka/logs/otlp_spans-0.log"), "spans");
    if (ROOT_USER) {
      Files.setAttribute(segment, "unix:uid", 4242);
      Files.setAttribute(root.resolve("var/lib/tracestream/kafka"), "unix:uid", 4242);
    }

    Staging.install(root, Staging.fakeJar(dir));

    assertThat(mode(config)).isEqualTo("rw-r-----");
    if (ROOT_USER) {
      assertThat(Files.getAttribute(segment, "unix:uid")).isEqualTo(Staging.ids(root, "tracestream-kafka")[0]);
    }
  }

  @Test
  void everyUnitNamesTheInstalledUserAndOnlyPathsTheInstallCreated() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir), "--topology-instances", "2");
    String passwd = Files.readString(root.resolve("etc/passwd"));
    String group = Files.readString(root.resolve("etc/group"));

    for (String unitFile : UNITS.stream().filter(u -> u.endsWith(".service")).toList()) {
      UnitFile unit = UnitFile.read(root.resolve("etc/systemd/system/" + unitFile));
      assertThat(passwd).as(unitFile + " User=").contains(unit.service("User") + ":x:");
      assertThat(group).as(unitFile + " Group=").contains(unit.service("Group") + ":x:");
      for (String instance : unitFile.contains("@.") ? List.of("1", "2")
          : java.util.Collections.<String>singletonList(null)) {
        UnitCommand cmd = UnitCommand.of(root, unitFile, instance);
        for (String file : unit.all("Service", "EnvironmentFile")) {
          if (!file.startsWith("-")) {
            assertThat(root.resolve(UnitCommand.specifiers(file, root, instance, cmd.unit()).substring(1)))
                .as(cmd.unit() + " " + file).isRegularFile();
          }
        }
        assertThat(cmd.workingDirectory()).as(cmd.unit() + " WorkingDirectory").isDirectory().startsWith(root);
        for (String d : unit.serviceList("StateDirectory")) {
          assertThat(root.resolve("var/lib/" + UnitCommand.specifiers(d, root, instance, cmd.unit())))
              .as(cmd.unit() + " StateDirectory " + d).isDirectory();
        }
        List<String> words = new ArrayList<>(cmd.execStart());
        cmd.execStartPre().forEach(words::addAll);
        for (String word : words) {
          String path = word.contains("=") ? word.substring(word.indexOf('=') + 1) : word;
          if (!path.startsWith("/")) {
            continue;
          }
          if (path.startsWith(root.toString())) {
            assertThat(Path.of(path)).as(cmd.unit() + ": " + word).exists();
          } else {
            assertThat(path).as(cmd.unit() + ": only system binaries come from outside the install")
                .matches("/usr/bin/(java|find)");
          }
        }
        assertThat(cmd.execStart()).as(cmd.unit()).contains(root + "/opt/tracestream/tracestream.jar");
        int config = cmd.execStart().indexOf("--config");
        assertThat(Path.of(cmd.execStart().get(config + 1))).as(cmd.unit() + " --config").isRegularFile()
            .startsWith(root.resolve("etc/tracestream"));
        assertThat(cmd.execStart()).as(cmd.unit() + " java.io.tmpdir in a state directory")
            .anyMatch(w -> w.matches("-Djava\\.io\\.tmpdir=" + java.util.regex.Pattern.quote(root.toString())
                + "/var/lib/tracestream/[a-z0-9-]+/tmp"));
      }
    }
    // paths inside the config files: only /etc/tracestream (the unit sets state paths)
    for (String file : CONFIG.stream().filter(f -> f.endsWith(".properties")).toList()) {
      Properties p = new Properties();
      try (var r = Files.newBufferedReader(root.resolve("etc/tracestream/" + file))) {
        p.load(r);
      }
      p.stringPropertyNames().stream().map(p::getProperty).filter(v -> v.startsWith("/"))
          .forEach(v -> assertThat(v).as(file).startsWith("/etc/tracestream/"));
    }
  }

  @Test
  void theTargetWantsKafkaBridgeAndEachTopologyInstanceAndAlertingOnlyWhenAsked() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir), "--topology-instances", "2");
    Path wants = root.resolve("etc/systemd/system/tracestream.target.wants");

    assertThat(names(wants)).containsExactlyInAnyOrder("tracestream-bridge.service", "tracestream-kafka.service",
        "tracestream-topology@1.service", "tracestream-topology@2.service");
    assertThat(Files.readSymbolicLink(wants.resolve("tracestream-topology@2.service")))
        .isEqualTo(Path.of("/etc/systemd/system/tracestream-topology@.service"));
    assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/tracestream.target")).isSymbolicLink();

    Staging.install(root, Staging.fakeJar(dir), "--with-alerting", "--without-kafka");

    assertThat(names(wants)).contains("tracestream-alerting.service").doesNotContain("tracestream-kafka.service");
  }

  @Test
  void aConfigFileTheOperatorChangedIsKeptAndTheShippedOneLandsBesideIt() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir));
    Path bridge = root.resolve("etc/tracestream/bridge.properties");
    Files.writeString(bridge, "kafka.bootstrap.servers=kafka1:9092\n");

    String out = Staging.install(root, Staging.fakeJar(dir));

    assertThat(bridge).hasContent("kafka.bootstrap.servers=kafka1:9092");
    assertThat(root.resolve("etc/tracestream/bridge.properties.dist"))
        .hasSameTextualContentAs(Staging.DEPLOY.resolve("etc/bridge.properties"));
    assertThat(out).contains("kept your");
  }

  @Test
  void uninstallKeepsConfigDataAndUserUnlessPurged() throws Exception {
    Path root = dir.resolve("root");
    Staging.install(root, Staging.fakeJar(dir));
    Path segment = Files.writeString(root.resolve("var/lib/tracestream/kafka/logs/otlp_spans-0.log"), "spans");

    Staging.uninstall(root);

    assertThat(root.resolve("opt/tracestream")).doesNotExist();
    assertThat(names(root.resolve("etc/systemd/system"))).noneMatch(n -> n.startsWith("tracestream"));
    assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/tracestream.target")).doesNotExist();
    assertThat(segment).hasContent("spans");
    assertThat(root.resolve("etc/tracestream/kafka.properties")).isRegularFile();
    assertThat(Staging.ids(root, "tracestream-bridge")).isNotNull();

    Staging.install(root, Staging.fakeJar(dir));
    Staging.uninstall(root, "--purge");

    assertThat(root.resolve("var/lib/tracestream")).doesNotExist();
    assertThat(root.resolve("etc/tracestream")).doesNotExist();
    for (String part : PARTS) {
      assertThat(Staging.ids(root, "tracestream-" + part)).isNull();
    }
  }
}
