package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code splitstream} command line. Every bad input ends in one line on stderr that names the
 * problem and the remedy, and exit code 2; an internal failure exits 1.
 */
@Command(
    name = "splitstream",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Continuous DL inference split across CPU, GPU and NPU processors.",
    subcommands = {
      RunCommand.class,
      CompareCommand.class,
      ProfileCommand.class,
      SplitCommand.class,
      PlanCommand.class,
      BenchCommand.class,
      LoadgenCommand.class,
      ServeCommand.class,
      KafkaBrokerCommand.class,
      ModelsCommand.class,
      SnapshotCommand.class,
      CalibrateCommand.class, ValidateCommand.class, PitfallCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  public static final int EXIT_BAD_INPUT = 2;
  public static final int EXIT_INTERNAL = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Main.class);

  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams; returns the exit code instead of exiting (for tests). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    for (SubcommandProvider p : java.util.ServiceLoader.load(SubcommandProvider.class)) {
      (p.parent().isEmpty() ? cl : cl.getSubcommands().get(p.parent())).addSubcommand(p.command());
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      Throwable root = ex;
      while (!(root instanceof SplitstreamException) && root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      if (root instanceof SplitstreamException) {
        commandLine.getErr().println("error: " + root.getMessage());
        return EXIT_BAD_INPUT;
      }
      LOG.error("internal failure", ex);
      commandLine.getErr().println("error: internal failure (a bug): " + ex);
      ex.printStackTrace(commandLine.getErr());
      return EXIT_INTERNAL;
    });
    // each command's --log-level and --log-file apply before it runs
    cl.setExecutionStrategy(parsed -> {
      CommandLine.ParseResult last = parsed;
      while (last.hasSubcommand()) {
        last = last.subcommand();
      }
      Object mixin = last.commandSpec().mixins().containsKey("logging")
          ? last.commandSpec().mixins().get("logging").userObject() : null;
      if (mixin instanceof LoggingOptions l) {
        try {
          l.apply();
        } catch (SplitstreamException e) {
          last.commandSpec().commandLine().getErr().println("error: " + e.getMessage());
          return EXIT_BAD_INPUT;
        }
      }
      LOG.debug("splitstream {}", String.join(" ", args));
      return new CommandLine.RunLast().execute(parsed);
    });
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("error: " + ex.getMessage() + " (see " + c.getCommandSpec().qualifiedName() + " --help)");
      return EXIT_BAD_INPUT;
    });
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) {
      return outOfMemory(e, err);
    }
  }

  /**
   * A command that ran out of heap: one line saying so and how to give the JVM more, not a stack
   * trace (the launcher's default heap is 1 GiB; large models with weights, e.g. calibrate's
   * inceptionv4 at 171 MB, need more).
   */
  static int outOfMemory(OutOfMemoryError e, PrintWriter err) {
    LOG.debug("out of memory", e); // the trace only where --log-level debug sends it
    err.println("error: out of memory (" + e.getMessage() + "): give the JVM more heap, e.g. "
        + "SPLITSTREAM_JAVA_OPTS='-Xmx4g -Xss16m' ./splitstream ..., or work on fewer or smaller models at once");
    err.flush();
    return EXIT_INTERNAL;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The Maven project version, which the build writes into {@code version.properties}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"splitstream " + version()};
    }

    static String version() {
      java.util.Properties p = new java.util.Properties();
      try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in == null) {
          throw new IllegalStateException("version.properties is missing from the build: rebuild with Maven");
        }
        p.load(in);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return p.getProperty("version");
    }
  }
}
