package io.splitstream.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.pipeline.frame.Settlement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RunRecorderTest {
  private static Settlement done(String stream, long seq, long capture, long latency) {
    return new Settlement(stream, seq, capture, capture + latency, Settlement.COMPLETED, "", 0);
  }

  @Test
  void perStreamSeriesStopAtTheCapAndTheRestAreOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RunRecorder r = new RunRecorder(() -> 0L, Optional.of(Duration.ofSeconds(10)), Optional.empty(), registry, "m", 3);
    for (int s = 0; s < 10; s++) {
      r.accept(done("stream" + s, 0, 1_000_000, 2_000_000));
    }
    List<String> tags = registry.find("splitstream.stream.frames").counters().stream()
        .map(c -> c.getId().getTag("stream")).sorted().collect(Collectors.toList());
    assertThat(tags).containsExactly("other", "stream0", "stream1", "stream2");
    assertThat(registry.get("splitstream.stream.frames").tag("stream", "other").counter().count()).isEqualTo(7);
    // the report still lists every stream
    assertThat(r.detail(10, List.of()).streams()).hasSize(10);
  }

  @Test
  void anOutOfOrderCompletionIsReportedForItsStreamOnly() {
    RunRecorder r = new RunRecorder(() -> 0L, Optional.of(Duration.ofSeconds(10)), Optional.empty(),
        new SimpleMeterRegistry(), "m", 0);
    r.accept(done("a", 0, 0, 1));
    r.accept(done("a", 2, 10, 1));
    r.accept(done("a", 1, 5, 1));
    r.accept(done("b", 0, 0, 1));
    r.accept(new Settlement("b", 1, 3, 4, Settlement.SHED, "queue-full", 0));
    r.accept(done("b", 2, 6, 1));
    RunDetail d = r.detail(10, List.of());
    assertThat(d.streams()).extracting(RunDetail.StreamReport::orderKept).containsExactly(false, true);
    assertThat(d.streams().get(1).shed()).isEqualTo(1);
    assertThat(d.series().shed().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
  }

  @Test
  void streamIdsSortNaturally() {
    assertThat(List.of("stream10", "stream2", "cam1", "stream0").stream().sorted(RunRecorder::naturally).toList())
        .containsExactly("cam1", "stream0", "stream2", "stream10");
  }
}
