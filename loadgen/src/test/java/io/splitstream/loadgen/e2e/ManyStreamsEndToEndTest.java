package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.pipeline.RunExtras;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.report.HtmlReport;
import io.splitstream.pipeline.report.RunDetail;
import io.splitstream.pipeline.report.RunRecorder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several streams into one simulated pipeline, with the trace and the HTML page. */
class ManyStreamsEndToEndTest {
  @TempDir static Path dir;
  static RunReport report;
  static List<String> trace;
  static String html;

  @BeforeAll
  static void run() throws IOException {
    E2e.useRepositoryModels();
    Runner.Options o = E2e.simulated("blazeface", "synthetic:poisson,rate=30", Optional.empty(), Optional.empty(),
        Duration.ofSeconds(20));
    Path t = dir.resolve("trace.csv");
    Path h = dir.resolve("run.html");
    report = Runner.run(o, new RunExtras(16, List.of(), Optional.of(h), Optional.of(t), 4, false),
        new PrintWriter(new StringWriter()));
    trace = Files.readAllLines(t);
    html = Files.readString(h);
  }

  @Test
  void sixteenStreamsEachReportedWithOrderKeptAndTheAuditPassing() {
    assertThat(report.sound()).isTrue();
    List<RunDetail.StreamReport> streams = report.detail().streams();
    assertThat(streams).extracting(RunDetail.StreamReport::stream).containsExactly(
        "stream0", "stream1", "stream2", "stream3", "stream4", "stream5", "stream6", "stream7", "stream8", "stream9",
        "stream10", "stream11", "stream12", "stream13", "stream14", "stream15");
    assertThat(streams).allSatisfy(s -> {
      assertThat(s.orderKept()).isTrue();
      assertThat(s.throughputFps()).isBetween(24.0, 36.0);
      assertThat(s.p99Ms()).isPositive();
    });
    assertThat(streams.stream().mapToLong(RunDetail.StreamReport::completed).sum()).isEqualTo(report.ledger().completed());
    // independent seeds: the streams do not all offer the same number of frames
    assertThat(streams.stream().map(RunDetail.StreamReport::offered).distinct().count()).isGreaterThan(1);
  }

  @Test
  void theTraceHasOneLinePerFrameAndRecomputesTheReportedPercentiles() {
    assertThat(trace.get(0)).isEqualTo(RunRecorder.TRACE_HEADER);
    assertThat(trace).hasSize((int) report.ledger().offered() + 1);
    Histogram h = new Histogram(3_600_000_000_000L, 3);
    Map<String, Long> lastSeq = new HashMap<>();
    long[] exact = trace.stream().skip(1).map(l -> l.split(",", -1)).filter(f -> f[4].equals("completed"))
        .peek(f -> {
          Long prev = lastSeq.put(f[0], Long.parseLong(f[1]));
          assertThat(prev == null || prev < Long.parseLong(f[1])).as("order in stream %s", f[0]).isTrue();
        })
        .mapToLong(f -> Long.parseLong(f[3]) - Long.parseLong(f[2])).sorted().toArray();
    for (long l : exact) {
      h.recordValue(l);
    }
    assertThat(exact.length).isEqualTo(report.latency().count());
    assertThat(h.getValueAtPercentile(50) / 1e6).isEqualTo(report.latency().p50Ms());
    assertThat(h.getValueAtPercentile(99) / 1e6).isEqualTo(report.latency().p99Ms());
    // nearest rank on the exact values agrees to HdrHistogram's 3 significant digits
    double p99 = exact[(int) Math.ceil(0.99 * exact.length) - 1] / 1e6;
    assertThat(p99).isCloseTo(report.latency().p99Ms(), org.assertj.core.data.Percentage.withPercentage(0.2));
  }

  @Test
  void theHtmlPageIsSelfContainedWithItsPlots() {
    assertThat(html).startsWith("<!DOCTYPE html>");
    assertThat(html).doesNotContain("src=", "href=", "<link", "<script", "@import", "url(");
    assertThat(html.split("<svg", -1).length - 1).isEqualTo(5);
    assertThat(html).contains("Latency CDF", "Throughput over time", "p99 latency over time", "shed", "stream15");
    assertThat(html).contains("emulated");
  }

  @Test
  void timeSeriesCoverTheRunAndAddUpToTheCompletedFrames() {
    RunDetail.Series s = report.detail().series();
    double frames = s.completedFps().stream().mapToDouble(f -> f * s.bucketSeconds()).sum();
    assertThat(Math.round(frames)).isEqualTo(report.ledger().completed());
    assertThat(s.completedFps().size() * s.bucketSeconds()).isCloseTo(20, org.assertj.core.data.Offset.offset(0.2));
    assertThat(report.detail().latencyCdf()).isNotEmpty();
    assertThat(report.detail().latencyCdf().get(report.detail().latencyCdf().size() - 1)[1]).isEqualTo(1.0);
  }

  @Test
  void severalSourcesAreOneStreamEach() {
    Runner.Options o = E2e.simulated("blazeface", "synthetic:constant,rate=20", Optional.empty(), Optional.empty(),
        Duration.ofSeconds(5));
    RunReport r = Runner.run(o, new RunExtras(1, List.of("synthetic:constant,rate=40"), Optional.empty(),
        Optional.empty(), 32, false), new PrintWriter(new StringWriter()));
    assertThat(r.detail().streams()).extracting(RunDetail.StreamReport::stream).containsExactly("stream0", "stream1");
    assertThat(r.detail().streams().get(0).offered()).isEqualTo(100);
    assertThat(r.detail().streams().get(1).offered()).isEqualTo(200);
    assertThat(HtmlReport.render(r)).contains("stream1");
  }
}
