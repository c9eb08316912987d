package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.pipeline.frame.StageVisit;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PipelineMetricsTest {
  private static final ProcessorLabels CPU = new ProcessorLabels("cpu", ProcessorKind.CPU, false);
  private static final ProcessorLabels NPU = new ProcessorLabels("npu", ProcessorKind.NPU, true);
  private static final long MS = 1_000_000L;

  private MockClock clock;
  private SimpleMeterRegistry registry;
  private AtomicReference<FrameCounts> ledger;
  private PipelineMetrics metrics;

  @BeforeEach
  void setUp() {
    clock = new MockClock();
    registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    ledger = new AtomicReference<>(FrameCounts.empty());
    // The scheduler clock of these tests is the same mock clock the registry runs on.
    metrics = new PipelineMetrics(registry, "resnet50", ledger::get, clock::monotonicTime);
  }

  @AfterEach
  void tearDown() {
    metrics.close();
  }

  @Test
  void frameMetersFollowTheLedger() {
    ledger.set(new FrameCounts(10, 6, Map.of("deadline", 2L), Map.of("error", 1L), 1));
    clock.add(PipelineMetrics.LEDGER_REUSE);
    metrics.refresh();

    assertThat(registry.get("splitstream.frames.offered").functionCounter().count()).isEqualTo(10);
    assertThat(registry.get("splitstream.frames.completed").functionCounter().count()).isEqualTo(6);
    assertThat(registry.get("splitstream.frames.in.flight").gauge().value()).isEqualTo(1);
    assertThat(
            registry
                .get("splitstream.frames.shed")
                .tag("reason", "deadline")
                .functionCounter()
                .count())
        .isEqualTo(2);
    assertThat(
            registry
                .get("splitstream.frames.failed")
                .tag("reason", "error")
                .functionCounter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void oneLedgerReadingServesAScrape() {
    ledger.set(new FrameCounts(5, 5, Map.of(), Map.of(), 0));
    clock.add(PipelineMetrics.LEDGER_REUSE);
    assertThat(registry.get("splitstream.frames.offered").functionCounter().count()).isEqualTo(5);

    ledger.set(new FrameCounts(9, 5, Map.of(), Map.of(), 4));
    // Within the reuse interval the gauge and counters agree with the reading already taken.
    assertThat(registry.get("splitstream.frames.in.flight").gauge().value()).isZero();
    assertThat(registry.get("splitstream.frames.offered").functionCounter().count()).isEqualTo(5);

    clock.add(PipelineMetrics.LEDGER_REUSE);
    assertThat(registry.get("splitstream.frames.in.flight").gauge().value()).isEqualTo(4);
    assertThat(registry.get("splitstream.frames.offered").functionCounter().count()).isEqualTo(9);
  }

  @Test
  void refreshTakesAFreshLedgerReading() {
    ledger.set(new FrameCounts(5, 5, Map.of(), Map.of(), 0));
    metrics.refresh();
    assertThat(registry.get("splitstream.frames.offered").functionCounter().count()).isEqualTo(5);

    ledger.set(new FrameCounts(6, 5, Map.of(), Map.of(), 1));
    metrics.refresh(); // no clock advance needed

    assertThat(registry.get("splitstream.frames.offered").functionCounter().count()).isEqualTo(6);
    assertThat(registry.get("splitstream.frames.in.flight").gauge().value()).isEqualTo(1);
  }

  @Test
  void newReasonGetsASeriesOnRefresh() {
    ledger.set(new FrameCounts(3, 1, Map.of("drop-newest", 2L), Map.of(), 0));
    clock.add(PipelineMetrics.LEDGER_REUSE);
    assertThat(registry.find("splitstream.frames.shed").tag("reason", "drop-newest").meter())
        .isNull();

    metrics.refresh();

    assertThat(
            registry
                .get("splitstream.frames.shed")
                .tag("reason", "drop-newest")
                .functionCounter()
                .count())
        .isEqualTo(2);
  }

  @Test
  void reasonsPastTheCapAreSummedUnderOther() {
    Map<String, Long> failures = new HashMap<>();
    int extra = 5;
    for (int i = 0; i < PipelineMetrics.MAX_REASONS + extra; i++) {
      failures.put(String.format("cause-%02d", i), 1L + i);
    }
    ledger.set(new FrameCounts(0, 0, Map.of(), failures, 0));
    clock.add(PipelineMetrics.LEDGER_REUSE);
    metrics.refresh();

    var series = registry.find("splitstream.frames.failed").functionCounters();
    assertThat(series).hasSize(PipelineMetrics.MAX_REASONS + 1);
    double total = series.stream().mapToDouble(c -> c.count()).sum();
    assertThat(total).isEqualTo(failures.values().stream().mapToLong(Long::longValue).sum());
    // Reasons are admitted in sorted order, so the last five are the ones folded into "other".
    long folded = 0;
    for (int i = PipelineMetrics.MAX_REASONS; i < PipelineMetrics.MAX_REASONS + extra; i++) {
      folded += 1L + i;
    }
    assertThat(
            registry
                .get("splitstream.frames.failed")
                .tag("reason", "other")
                .functionCounter()
                .count())
        .isEqualTo(folded);
  }

  @Test
  void blankReasonIsCountedUnderOther() {
    ledger.set(new FrameCounts(1, 0, Map.of("", 1L), Map.of(), 0));
    clock.add(PipelineMetrics.LEDGER_REUSE);
    metrics.refresh();

    assertThat(registry.find("splitstream.frames.shed").functionCounters()).hasSize(1);
    assertThat(
            registry
                .get("splitstream.frames.shed")
                .tag("reason", "other")
                .functionCounter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void latencyIsRecordedInNanoseconds() {
    metrics.recordLatency(4 * MS);
    metrics.recordLatency(40 * MS);

    Timer latency = registry.get("splitstream.frame.latency").tag("model", "resnet50").timer();
    assertThat(latency.count()).isEqualTo(2);
    assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(44);
    assertThat(latency.max(TimeUnit.MILLISECONDS)).isEqualTo(40);
  }

  @Test
  void negativeLatencyIsRefused() {
    assertThatThrownBy(() -> metrics.recordLatency(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1 ns");
  }

  @Test
  void stageSplitsQueueWaitFromServiceTime() {
    StageMeters stage = metrics.stage(1, NPU);
    stage.record(0, 3 * MS, 10 * MS);
    stage.record(10 * MS, 10 * MS, 12 * MS);

    Timer queue = registry.get("splitstream.stage.queue").tags(npuStageTags()).timer();
    Timer service = registry.get("splitstream.stage.service").tags(npuStageTags()).timer();
    assertThat(queue.count()).isEqualTo(2);
    assertThat(queue.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3);
    assertThat(service.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(9);
    assertThat(metrics.stage(1, NPU)).isSameAs(stage);
  }

  @Test
  void stageRefusesTimesOutOfOrder() {
    StageMeters stage = metrics.stage(0, CPU);
    assertThatThrownBy(() -> stage.record(5 * MS, 4 * MS, 6 * MS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage 0 on cpu");
    assertThat(registry.get("splitstream.stage.queue").timer().count()).isZero();
  }

  @Test
  void visitsGoToTheMetersOfTheirStage() {
    metrics.stage(0, CPU);
    metrics.recordVisit(new StageVisit(0, "cpu", 0, 2 * MS, 5 * MS, 3 * MS, false));

    assertThat(registry.get("splitstream.stage.service").tag("stage", "0").timer().count())
        .isEqualTo(1);
    assertThatThrownBy(() -> metrics.recordVisit(new StageVisit(1, "gpu", 0, 1, 2, 1, false)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stage 1 on processor gpu");
    StageMeters cpuStage = metrics.stage(0, CPU);
    assertThatThrownBy(() -> cpuStage.record(new StageVisit(0, "npu", 0, 1, 2, 1, true)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void oneProcessorIdNamesOneProcessor() {
    metrics.stage(0, NPU);
    assertThatThrownBy(() -> metrics.stage(1, new ProcessorLabels("npu", ProcessorKind.GPU, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("processor npu was registered as");
  }

  @Test
  void busyTimeCountsOverlappingExecutionsOnce() {
    long t0 = clock.monotonicTime();
    StageMeters first = metrics.stage(0, NPU);
    StageMeters second = metrics.stage(1, NPU);
    first.record(t0, t0, t0 + 4 * MS);
    second.record(t0, t0 + 2 * MS, t0 + 6 * MS); // overlaps the first by 2 ms
    clock.add(Duration.ofMillis(10));

    double busySeconds =
        registry
            .get("splitstream.processor.busy.time")
            .tag("processor", "npu")
            .functionCounter()
            .count();
    assertThat(busySeconds).isCloseTo(0.006, within(1e-12));
    assertThat(registry.get("splitstream.processor.busy").tag("processor", "npu").gauge().value())
        .isCloseTo(0.6, within(1e-9));
    assertThat(metrics.busyShare("npu")).isCloseTo(0.6, within(1e-9));
    assertThat(metrics.busyShares()).containsOnlyKeys("npu");
    assertThat(metrics.busyShare("gpu")).isZero();
  }

  @Test
  void busyShareForgetsWorkOlderThanTheWindow() {
    long t0 = clock.monotonicTime();
    StageMeters stage = metrics.stage(0, CPU);
    stage.record(t0, t0, t0 + 1_000 * MS);
    clock.add(PipelineMetrics.BUSY_WINDOW.multipliedBy(2));

    assertThat(metrics.busyShare("cpu")).isZero();
    assertThat(
            registry
                .get("splitstream.processor.busy.time")
                .tag("processor", "cpu")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void queueDepthReadsItsSupplierAndRebindingReplacesIt() {
    metrics.bindQueueDepth(2, () -> 7);
    assertThat(registry.get("splitstream.stage.queue.depth").tag("stage", "2").gauge().value())
        .isEqualTo(7);

    metrics.bindQueueDepth(2, () -> 3);
    assertThat(registry.find("splitstream.stage.queue.depth").gauges()).hasSize(1);
    assertThat(registry.get("splitstream.stage.queue.depth").tag("stage", "2").gauge().value())
        .isEqualTo(3);
  }

  @Test
  void transferCountsBytesPerPairOfProcessors() {
    TransferMeter cut = metrics.transfer("cpu", "npu");
    cut.record(1_000);
    cut.record(24);
    metrics.transfer("npu", "cpu").record(10);

    assertThat(metrics.transfer("cpu", "npu")).isSameAs(cut);
    assertThat(
            registry
                .get("splitstream.transfer.bytes")
                .tags("from", "cpu", "to", "npu")
                .counter()
                .count())
        .isEqualTo(1_024);
    assertThat(cut.total()).isEqualTo(1_024);
    assertThatThrownBy(() -> cut.record(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void planInfoShowsOnlyTheCurrentPlan() {
    metrics.planChanged("cpu[0-49]", 0, 40, Duration.ofMillis(25));
    metrics.planChanged("cpu[0-11]|npu[12-49]", 1, 118.5, Duration.ofMillis(21));

    var info = registry.find("splitstream.plan.info").gauges();
    assertThat(info).hasSize(1);
    Meter.Id id = info.iterator().next().getId();
    assertThat(id.getTag("plan")).isEqualTo("cpu[0-11]|npu[12-49]");
    assertThat(id.getTag("epoch")).isEqualTo("1");
    assertThat(info.iterator().next().value()).isEqualTo(1);
    assertThat(registry.get("splitstream.plan.predicted.throughput").gauge().value())
        .isEqualTo(118.5);
    assertThat(registry.get("splitstream.plan.predicted.latency").gauge().value())
        .isCloseTo(0.021, within(1e-12));
  }

  @Test
  void planEpochGaugeFollowsThePlan() {
    metrics.planChanged("cpu[0-49]", 0, 40, Duration.ofMillis(25));
    assertThat(registry.get("splitstream.plan.epoch").gauge().value()).isZero();

    metrics.planChanged("cpu[0-11]|npu[12-49]", 7, 118.5, Duration.ofMillis(21));

    assertThat(registry.find("splitstream.plan.epoch").gauges()).hasSize(1);
    assertThat(registry.get("splitstream.plan.epoch").gauge().value()).isEqualTo(7);
  }

  @Test
  void emulationLagReadsItsSuppliersInSecondsAndInvocations() {
    AtomicReference<Long> lagNanos = new AtomicReference<>(0L);
    AtomicReference<Long> lagged = new AtomicReference<>(0L);
    metrics.bindEmulationLag(NPU, lagNanos::get, lagged::get);
    assertThat(registry.get("splitstream.emulation.lag").tag("processor", "npu").functionCounter().count())
        .isZero();

    lagNanos.set(1_500 * MS);
    lagged.set(3L);

    assertThat(registry.get("splitstream.emulation.lag").tag("processor", "npu").functionCounter().count())
        .isCloseTo(1.5, within(1e-12));
    assertThat(registry.get("splitstream.emulation.lagged").tag("kind", "npu").functionCounter().count())
        .isEqualTo(3);
    // binding the lag declares the processor: its busy share exists before any stage runs on it
    assertThat(registry.get("splitstream.processor.busy").tag("processor", "npu").gauge().value()).isZero();
  }

  @Test
  void sourceRateIsReadAtScrapeTime() {
    AtomicReference<Double> rate = new AtomicReference<>(30.0);
    metrics.bindSourceRate(rate::get);
    assertThat(registry.get("splitstream.source.rate").gauge().value()).isEqualTo(30);

    rate.set(120.0);

    assertThat(registry.get("splitstream.source.rate").gauge().value()).isEqualTo(120);
    assertThatThrownBy(() -> metrics.bindSourceRate(() -> 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void latencyBudgetIsExportedInSecondsOnce() {
    assertThat(registry.find("splitstream.latency.budget").meter()).isNull();
    metrics.latencyBudget(Duration.ofMillis(40));

    assertThat(registry.get("splitstream.latency.budget").gauge().value()).isCloseTo(0.04, within(1e-12));
    assertThatThrownBy(() -> metrics.latencyBudget(Duration.ofMillis(50)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> metrics.latencyBudget(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyAnEmulatedProcessorHasALagAndOnlyOnce() {
    assertThatThrownBy(() -> metrics.bindEmulationLag(CPU, () -> 0, () -> 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("processor cpu is real");
    metrics.bindEmulationLag(NPU, () -> 0, () -> 0);
    assertThatThrownBy(() -> metrics.bindEmulationLag(NPU, () -> 0, () -> 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bound already");
  }

  @Test
  void planWithImpossiblePredictionIsRefused() {
    assertThatThrownBy(() -> metrics.planChanged("cpu[0-49]", 0, Double.NaN, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plan cpu[0-49]");
    assertThat(registry.find("splitstream.plan.info").meter()).isNull();
  }

  @Test
  void everyMeterIsDescribedAndTaggedOnlyWithLowCardinalityTags() {
    recordSomethingEverywhere();
    Set<String> allowed =
        Set.of(
            "model",
            "stage",
            "processor",
            "kind",
            "emulated",
            "reason",
            "from",
            "to",
            "plan",
            "epoch");

    assertThat(registry.getMeters()).hasSizeGreaterThan(10);
    for (Meter meter : registry.getMeters()) {
      if (meter.getId().getName().endsWith(".histogram")) {
        // a SimpleMeterRegistry shows each bucket of a timer as a gauge of its own; Prometheus
        // shows them as the timer's _bucket series
        continue;
      }
      assertThat(meter.getId().getDescription()).as(meter.getId().getName()).isNotBlank();
      assertThat(meter.getId().getName()).matches("splitstream(\\.[a-z]+)+");
      Set<String> keys =
          meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toSet());
      assertThat(allowed).as(meter.getId().toString()).containsAll(keys);
      assertThat(keys).contains("model");
    }
  }

  @Test
  void closeRemovesEveryMeter() {
    recordSomethingEverywhere();
    metrics.close();

    assertThat(registry.getMeters()).isEmpty();
    assertThatThrownBy(() -> metrics.stage(0, CPU)).isInstanceOf(IllegalStateException.class);
    metrics.close(); // idempotent
  }

  @Test
  void oneModelHasOnePipelinesMetersPerRegistry() {
    assertThatThrownBy(
            () ->
                new PipelineMetrics(registry, "resnet50", FrameCounts::empty, clock::monotonicTime))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("model resnet50 are already registered");

    metrics.close();
    ledger.set(new FrameCounts(3, 3, Map.of(), Map.of(), 0));
    try (PipelineMetrics next =
        new PipelineMetrics(registry, "resnet50", ledger::get, clock::monotonicTime)) {
      assertThat(
              registry
                  .get("splitstream.frames.offered")
                  .tag("model", next.model())
                  .functionCounter()
                  .count())
          .isEqualTo(3);
    }
  }

  @Test
  void blankModelIsRefused() {
    assertThatThrownBy(
            () -> new PipelineMetrics(registry, " ", FrameCounts::empty, clock::monotonicTime))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model name is blank");
  }

  private void recordSomethingEverywhere() {
    ledger.set(new FrameCounts(2, 1, Map.of("deadline", 1L), Map.of("error", 0L), 0));
    clock.add(PipelineMetrics.LEDGER_REUSE);
    metrics.refresh();
    metrics.stage(0, CPU).record(0, 1, 2);
    metrics.bindQueueDepth(0, () -> 1);
    metrics.transfer("cpu", "npu").record(8);
    metrics.recordLatency(MS);
    metrics.planChanged("cpu[0-49]", 0, 40, Duration.ofMillis(25));
    metrics.bindEmulationLag(NPU, () -> 0, () -> 0);
  }

  private static Iterable<Tag> npuStageTags() {
    return List.of(
        Tag.of("stage", "1"),
        Tag.of("processor", "npu"),
        Tag.of("kind", "npu"),
        Tag.of("emulated", "true"),
        Tag.of("model", "resnet50"));
  }
}
