package io.tracestream.launcher;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code tracestream} subcommands in-process, keeping what they print. */
abstract class CommandLineTest {
  protected final StringWriter out = new StringWriter();
  protected final StringWriter err = new StringWriter();

  protected int run(String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    return cmd.execute(args);
  }
}
