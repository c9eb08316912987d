package io.splitstream.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input to {@code loadgen}, {@code serve} (also {@code --kafka}), {@code kafka-broker}, {@code bench kafka}: one line naming it and the remedy, exit 2, before any work. */
class LoadgenCommandTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "loadgen --scenario bogus|is not an MLPerf scenario",
      "loadgen --scenario offline --find-peak|--find-peak applies to --scenario server only",
      "loadgen --scenario server --target nohost|is not HOST:PORT",
      "loadgen --scenario server --target 127.0.0.1:99999|is not in 1..65535",
      "loadgen --scenario server --simulate --target 127.0.0.1:7878|exclude each other",
      "loadgen --scenario single-stream --min-queries 0|is not positive",
      "loadgen --scenario server --target-qps -3|is not a positive number",
      "loadgen --scenario server --target-latency 0ms|shorter than 1 µs",
      "serve --port 70000|is not in 0..65535",
      "serve --credits 0|is not positive",
      "loadgen|needs --scenario",
      "loadgen --kafka 127.0.0.1:9 --max-record-bytes 10|is too small",
      "serve --kafka 127.0.0.1:9 --in a --out a|are both 'a'",
      "serve --kafka 127.0.0.1:9 --metrics-port 70000|is not a port",
      "kafka-broker --partitions 0|is not positive",
      "bench kafka --frames 0|is not positive",
      "bench kafka --workers 1,0|is not positive",
      "bench kafka --window 2|is over 1"})
  void badInputIsOneLineAndExitTwo(String args, String says) {
    StringWriter err = new StringWriter();
    int code = Main.execute(args.split(" "), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: ").contains(says);
    assertThat(err.toString().strip().lines()).hasSize(1);
  }
}
