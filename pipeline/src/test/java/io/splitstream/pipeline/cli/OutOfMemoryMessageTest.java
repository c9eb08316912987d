package io.splitstream.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class OutOfMemoryMessageTest {
  @Test
  void runningOutOfHeapIsOneLineThatSaysHowToGiveMoreNotAStackTrace() {
    StringWriter err = new StringWriter();
    int code = Main.outOfMemory(new OutOfMemoryError("Java heap space"), new PrintWriter(err, true));
    assertThat(code).isEqualTo(Main.EXIT_INTERNAL);
    assertThat(err.toString().strip()).startsWith("error: out of memory (Java heap space): ")
        .contains("SPLITSTREAM_JAVA_OPTS='-Xmx4g").doesNotContain("\n").doesNotContain("at io.");
  }
}
