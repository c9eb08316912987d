package io.splitstream.loadgen.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fatal native error ends the process the launcher starts: the launcher passes
 * {@code config/jvm-fatal-error.options} and an {@code -XX:ErrorFile} outside the working folder,
 * and a JVM started with them that crashes with SIGSEGV is gone within seconds, its crash report
 * where the launcher put it and none in the folder it ran from.
 */
class FatalErrorOptionsTest {
  @TempDir Path dir;

  @Test
  void theLauncherPassesTheOptionsAndAnErrorFileOutsideTheWorkingFolder() throws IOException {
    String launcher = Files.readString(root().resolve("splitstream"));
    assertThat(launcher).contains("@$HERE/config/jvm-fatal-error.options").contains("-XX:ErrorFile=${TMPDIR:-/tmp}/");
    assertThat(Files.readAllLines(options())).contains("-XX:ErrorLogTimeout=10", "\"-XX:OnError=kill -9 %p\"");
  }

  @Test
  void aJvmThatCrashesInNativeCodeEndsAndLeavesItsReportWhereTold() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-XX:ErrorFile=" + logs + "/hs_err_pid%p.log",
        "@" + options(), "-cp", System.getProperty("java.class.path"), NativeCrash.class.getName())
        .directory(work.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    long t0 = System.nanoTime();
    Process p = pb.start();
    boolean ended = p.waitFor(60, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String out = Files.readString(dir.resolve("out.txt"));
    assertThat(ended).as("the crashed JVM ended; its output:%n%s", out).isTrue();
    assertThat(p.exitValue()).as(out).isNotZero();
    assertThat(out).contains("crashing", "SIGSEGV");
    assertThat((System.nanoTime() - t0) / 1e9).as("seconds until the process was gone").isLessThan(30);
    try (Stream<Path> l = Files.list(logs); Stream<Path> w = Files.list(work)) {
      assertThat(l.map(f -> f.getFileName().toString()).toList()).singleElement().asString().startsWith("hs_err_pid");
      assertThat(w.toList()).as("nothing left in the working folder").isEmpty();
    }
  }

  private static Path options() {
    return root().resolve("config/jvm-fatal-error.options");
  }

  private static Path root() {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isRegularFile(d.resolve("splitstream"))) {
      d = d.getParent();
    }
    if (d == null) {
      throw new IllegalStateException("no repository root (with ./splitstream) above " + Path.of("").toAbsolutePath());
    }
    return d;
  }
}
