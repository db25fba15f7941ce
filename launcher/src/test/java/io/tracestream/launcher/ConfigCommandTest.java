package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest extends CommandLineTest {

  @Test
  void listsEveryKeyOfThePartWithItsDefaultEnvironmentVariableAndMeaning() {
    assertThat(run("config", "bridge")).isZero();

    String text = out.toString();
    for (ConfigKey key : BridgeConfig.KEYS) {
      assertThat(text).contains(key.name() + "\n", "env:     " + key.environmentName() + "\n",
          key.description() + "\n");
    }
    assertThat(text).startsWith("# " + Part.BRIDGE.keys.size() + " keys of bridge;").contains("log.format\n")
        .contains("bridge.grpc.port\n    default: 4317\n    env:     TRACESTREAM_BRIDGE_GRPC_PORT\n");
  }

  @Test
  void allInOneListsTheKeysItsPartsShareOnce() {
    assertThat(run("config", "all-in-one")).isZero();

    List<String> names = out.toString().lines().filter(l -> !l.startsWith(" ") && !l.startsWith("#")).toList();
    assertThat(names).contains("bridge.grpc.port", "topology.window", "alerting.rules.file", "kafka.server.log.dirs")
        .doesNotHaveDuplicates();
    assertThat(names.stream().filter(n -> n.equals("kafka.bootstrap.servers"))).hasSize(1);
  }

  @Test
  void effectiveShowsTheResolvedValuesWithSecretsMasked(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("alerting.properties");
    Files.writeString(file, """
        alerting.slack.webhook.url=https://hooks.slack.com/services/T000/B000/XXXXSECRET
        alerting.alertmanager.url=http://127.0.0.1:9093
        kafka.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required password="p";
        kafka.security.protocol=SASL_SSL
        """);

    assertThat(run("config", "alerting", "--effective", "--config", file.toString(),
        "--set", "alerting.admin.port=19466")).isZero();

    assertThat(out.toString()).contains(
        "alerting.slack.webhook.url=******\n",
        "alerting.alertmanager.url=http://127.0.0.1:9093\n",
        "alerting.admin.port=19466\n",
        "alerting.window.settle=",
        "kafka.sasl.jaas.config=******\n",
        "kafka.security.protocol=SASL_SSL\n")
        .doesNotContain("XXXXSECRET", "password=");
    assertThat(out.toString().lines().filter(l -> l.startsWith("alerting.state.dir="))).singleElement()
        .asString().endsWith("# default");
  }

  @Test
  void anUnknownPartIsRefusedNamingTheParts() {
    assertThat(run("config", "brigde")).isEqualTo(2);
    assertThat(err.toString())
        .contains("no part 'brigde': one of bridge, topology, alerting, replay, kafka, all-in-one");
  }

  /** The script `tracestream generate-completion` writes completes subcommands and options in a real bash. */
  @Test
  void theBashCompletionScriptCompletesSubcommandsAndOptions(@TempDir Path dir) throws Exception {
    assertThat(run("generate-completion")).isZero();
    Path script = dir.resolve("tracestream.bash");
    Files.writeString(script, out.toString());

    assertThat(complete(script, "tracestream", "to")).isEqualTo("topology");
    assertThat(complete(script, "tracestream", "config", "--eff")).isEqualTo("--effective");
  }

  private static String complete(Path script, String... words) throws Exception {
    String line = "source " + script + "; COMP_WORDS=(" + String.join(" ", words) + "); COMP_CWORD="
        + (words.length - 1) + "; COMP_LINE='" + String.join(" ", words) + "'; COMP_POINT=${#COMP_LINE}; "
        + "_complete_tracestream; echo \"${COMPREPLY[*]}\"";
    // compopt complains outside a real completion: stderr is not the answer
    Process bash = new ProcessBuilder("bash", "-c", line).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String text = new String(bash.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    assertThat(bash.waitFor()).as(text).isZero();
    return text;
  }
}
