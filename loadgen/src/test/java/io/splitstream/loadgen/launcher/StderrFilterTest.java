package io.splitstream.loadgen.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The launcher's stderr filter drops TFLite's native XNNPACK notice and passes every other line. */
class StderrFilterTest {
  @Test
  void dropsTheXnnpackNoticeOnly() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isRegularFile(root.resolve("splitstream"))) {
      root = root.getParent();
    }
    assertThat(Files.readString(root.resolve("splitstream")))
        .contains("source \"$HERE/config/stderr-filter.bash\"", "source \"$HERE/config/run-jvm.bash\"");
    assertThat(Files.readString(root.resolve("config/run-jvm.bash"))).contains("splitstream_filter_stderr < ");
    String script = "source '" + root.resolve("config/stderr-filter.bash") + "'; printf '%s\\n' 'error: keep me'"
        + " 'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.' 'INFO: other native line' | splitstream_filter_stderr;"
        + " printf 'no newline at the end' | splitstream_filter_stderr";
    Process p = new ProcessBuilder("/bin/bash", "-c", script).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).isEqualTo("error: keep me\nINFO: other native line\nno newline at the end\n");
  }
}
