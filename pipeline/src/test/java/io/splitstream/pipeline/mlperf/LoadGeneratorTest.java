package io.splitstream.pipeline.mlperf;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.ingest.QueueIngest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scenarios' traffic on a queue of known service times, in virtual time. */
class LoadGeneratorTest {
  private static final long MS = 1_000_000;

  private static TestSettings settings(MlperfScenario sc, Duration min, long minQueries, double qps) {
    return new TestSettings(sc, min, minQueries, sc == MlperfScenario.MULTI_STREAM ? 8 : 1, Duration.ofMillis(10), qps,
        OptionalDouble.empty(), 0, 7);
  }

  private static LoadTest.Run run(TestSettings s, long serviceNanos) {
    return LoadTest.once(() -> new QueueIngest(new SimulatedTime(), seq -> serviceNanos), s);
  }

  @Test
  void singleStreamIssuesTheNextQueryWhenThePreviousCompletes() {
    LoadTest.Run r = run(settings(MlperfScenario.SINGLE_STREAM, Duration.ofSeconds(1), 100, 1), 2 * MS);
    MlperfResult m = r.result();
    // back to back, 2 ms each: the query issued at or after 1 s is the 501st
    assertThat(m.queryCount()).isEqualTo(501);
    for (QueryRecord q : m.queries()) {
      assertThat(q.issuedNanos()).isEqualTo(q.id() * 2 * MS);
      assertThat(q.latencyNanos()).isEqualTo(2 * MS);
    }
    assertThat(m.metricNanos()).isEqualTo(2 * MS);
    assertThat(m.valid()).as(m.render()).isTrue();
    assertThat(r.auditPassed()).isTrue();
  }

  @Test
  void multiStreamQueriesTakeTheirSlowestSample() {
    LoadTest.Run r = run(settings(MlperfScenario.MULTI_STREAM, Duration.ofSeconds(1), 662, 1), MS);
    MlperfResult m = r.result();
    assertThat(m.queryCount()).isEqualTo(662); // 8 ms a query: 125 cover 1 s, the count rules
    assertThat(m.sampleCount()).isEqualTo(662 * 8);
    for (QueryRecord q : m.queries()) {
      assertThat(q.samples()).isEqualTo(8);
      assertThat(q.latencyNanos()).isEqualTo(8 * MS);
      assertThat(Arrays.stream(q.sampleLatenciesNanos()).max().getAsLong()).isEqualTo(q.latencyNanos());
    }
    assertThat(m.metricNanos()).isEqualTo(8 * MS);
    assertThat(m.valid()).as(m.render()).isTrue();
  }

  @Test
  void serverIssuesPoissonArrivalsAtTheTargetRateAndJudgesP99() {
    TestSettings s = settings(MlperfScenario.SERVER, Duration.ofSeconds(20), 100, 200);
    MlperfResult fast = run(s, MS).result();
    int n = (int) fast.queryCount(); // about 20 s at 200 QPS; the last one scheduled at or after 20 s
    assertThat(n).isBetween(3800, 4200);
    assertThat(fast.queries().get(n - 1).issuedNanos()).isGreaterThanOrEqualTo(20_000 * MS);
    assertThat(fast.queries().get(n - 2).issuedNanos()).isLessThan(20_000 * MS);
    double span = fast.queries().get(n - 1).issuedNanos() / 1e9;
    assertThat((n - 1) / span).isBetween(190.0, 210.0);
    // exponential gaps: their coefficient of variation is near 1
    long[] gaps = new long[n - 1];
    for (int i = 1; i < n; i++) {
      gaps[i - 1] = fast.queries().get(i).issuedNanos() - fast.queries().get(i - 1).issuedNanos();
    }
    double mean = Arrays.stream(gaps).average().orElseThrow();
    double sd = Math.sqrt(Arrays.stream(gaps).mapToDouble(g -> (g - mean) * (g - mean)).sum() / gaps.length);
    assertThat(sd / mean).isBetween(0.9, 1.1);
    assertThat(fast.valid()).as(fast.render()).isTrue();
    // 4.9 ms a query at 200 QPS is 98 % busy: queues grow past the 10 ms bound
    MlperfResult slow = run(s, 4_900_000).result();
    assertThat(slow.valid()).isFalse();
    assertThat(slow.metricNanos()).isGreaterThan(10 * MS);
    assertThat(slow.reasons()).anyMatch(x -> x.startsWith("p99 latency")).anyMatch(x -> x.startsWith("early stopping"));
  }

  @Test
  void offlineSendsEverySampleAtOnce() {
    TestSettings s = new TestSettings(MlperfScenario.OFFLINE, Duration.ofSeconds(1), 500, 1, Duration.ofMillis(10), 1,
        OptionalDouble.of(1000), 0, 1);
    MlperfResult m = run(s, MS).result();
    assertThat(m.queryCount()).isEqualTo(1);
    assertThat(m.sampleCount()).isEqualTo(1100); // 10 % over 1 s at the expected 1000/s
    assertThat(m.queries().get(0).issuedNanos()).isZero();
    assertThat(m.samplesPerSecond()).isCloseTo(1000, org.assertj.core.data.Offset.offset(1.0));
    assertThat(m.valid()).as(m.render()).isTrue();
  }

  @Test
  void aShortRunIsInvalidAndSaysWhy() {
    TestSettings s = new TestSettings(MlperfScenario.SINGLE_STREAM, Duration.ofSeconds(1), 100, 1, Duration.ofMillis(10), 1,
        OptionalDouble.empty(), 50, 1);
    MlperfResult m = run(s, MS).result();
    assertThat(m.queryCount()).isEqualTo(50);
    assertThat(m.valid()).isFalse();
    assertThat(m.render()).contains("Result is : INVALID", "Min duration satisfied : NO", "Early stopping satisfied : NO");
    assertThat(m.reasons()).hasSize(3);
  }

  @Test
  void percentilesRecomputedFromTheTraceEqualTheReportedOnes(@TempDir Path dir) throws IOException {
    // service times that vary with the sample, so the percentiles differ
    TestSettings s = settings(MlperfScenario.SERVER, Duration.ofSeconds(5), 100, 300);
    MlperfResult m = LoadTest.once(() -> new QueueIngest(new SimulatedTime(), seq -> (1 + seq % 7) * 300_000L), s).result();
    Path trace = dir.resolve("trace.csv");
    m.writeTrace(trace);
    List<String> lines = Files.readAllLines(trace);
    assertThat(lines).hasSize((int) m.queryCount() + 1);
    long[] latencies = lines.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",")[4])).sorted().toArray();
    long p99 = latencies[(int) Math.floor(latencies.length * 0.99)];
    assertThat(p99).isEqualTo(m.metricNanos());
    assertThat(m.render()).contains(MlperfResult.ms(p99));
  }
}
