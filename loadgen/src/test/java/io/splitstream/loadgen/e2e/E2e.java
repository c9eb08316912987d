package io.splitstream.loadgen.e2e;

import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the end-to-end tests share: the CLI run in-process with captured streams, and run options
 * for {@link Runner} on the emulated Snapdragon 855.
 *
 * <p>The catalogue models live in the repository root's {@code models/}; surefire passes it as
 * {@code splitstream.models}. When the tests run without that (an IDE), or the property came through
 * unresolved, the folder is found from the working directory (the module folder) instead.
 */
final class E2e {
  static final String SOC = "sd855-pixel4";

  private E2e() {}

  /** Points {@code splitstream.models} at the repository's {@code models/} folder; returns it. */
  static Path useRepositoryModels() {
    String prop = System.getProperty("splitstream.models");
    if (prop == null || prop.isBlank() || prop.contains("${")) {
      Path dir = Path.of("").toAbsolutePath();
      while (dir != null && !Files.isRegularFile(dir.resolve("devices/pom.xml"))) {
        dir = dir.getParent();
      }
      Path models = (dir == null ? Path.of("").toAbsolutePath().getParent() : dir).resolve("models");
      System.setProperty("splitstream.models", models.toString());
      return models;
    }
    return Path.of(prop);
  }

  /** One CLI invocation: its exit code and everything it wrote. */
  record Cli(int exit, String out, String err) {
    List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
      code = Main.execute(args, o, e);
    }
    return new Cli(code, out.toString(), err.toString());
  }

  /**
   * Options as {@code run --simulate --soc sd855-pixel4 --metrics-port -1 --no-progress} gives them
   * (auto plan, outputs not computed), with these.
   */
  static Runner.Options simulated(String model, String source, Optional<String> policy, Optional<Duration> budget,
      Duration duration) {
    return new Runner.Options(model, InputShapes.none(), source, Optional.of(SOC), List.of(), "auto",
        policy, budget, Optional.of(duration), -1, true, false, false, Optional.empty(), 2, 24, 32, 1);
  }

  /** Real-time options on the emulated SoC, serving metrics on {@code port}. */
  static Runner.Options realTime(String source, Duration duration, int port) {
    return new Runner.Options("blazeface", InputShapes.none(), source, Optional.of(SOC), List.of(), "auto",
        Optional.empty(), Optional.empty(), Optional.of(duration), port, false, true, false, Optional.empty(),
        2, 24, 32, 1);
  }
}
