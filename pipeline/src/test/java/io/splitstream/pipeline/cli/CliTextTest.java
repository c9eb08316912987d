package io.splitstream.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the CLI prints about itself: its version, and each command's one-line summary. */
class CliTextTest {
  @Test
  void versionIsTheMavenProjectVersion() {
    StringWriter out = new StringWriter();
    int code = Main.execute(new String[] {"-V"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
    assertThat(code).isZero();
    assertThat(out.toString().strip()).matches("splitstream \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  /** A command list shows the first line of each description: it must be a whole sentence. */
  @Test
  void everyCommandListsAWholeSentence() {
    List<String> checked = new ArrayList<>();
    check(new CommandLine(new Main()), checked);
    assertThat(checked).contains("bench pipeline", "bench sim-vs-real", "bench adapt", "run", "models fetch", "bench kafka",
        "kafka-broker", "serve", "loadgen");
  }

  private static void check(CommandLine cl, List<String> checked) {
    String usage = squash(cl.getUsageMessage(CommandLine.Help.Ansi.OFF));
    for (CommandLine sub : cl.getSubcommands().values()) {
      String[] d = sub.getCommandSpec().usageMessage().description();
      String name = sub.getCommandSpec().qualifiedName(" ").replaceFirst("^splitstream ", "");
      if (d.length > 0 && !name.equals("help")) {
        String first = d[0].replace("%%", "%");
        assertThat(first).as("first description line of %s", name).endsWith(".");
        assertThat(usage).as("%s listed in full in its parent's help", name).contains(squash(first));
        checked.add(name);
      }
      check(sub, checked);
    }
  }

  private static String squash(String s) {
    return s.replaceAll("\\s+", " ");
  }

  @Test
  void simVsRealRatiosNeverPrintNaN() {
    assertThat(BenchCommand.SimVsReal.ratio(0, 0)).isEqualTo("n/a");
    assertThat(BenchCommand.SimVsReal.ratio(3, 0)).isEqualTo("n/a");
    assertThat(BenchCommand.SimVsReal.ratio(3, 2)).isEqualTo("1.500");
  }
}
