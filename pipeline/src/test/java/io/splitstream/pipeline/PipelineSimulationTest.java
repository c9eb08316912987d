package io.splitstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.UnsupportedOpException;
import io.splitstream.devices.tensor.TensorMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.plan.ExhaustiveSearch;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import io.splitstream.pipeline.profile.Profiler;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** The assembled pipeline on an emulated three-processor SoC, in virtual time. */
class PipelineSimulationTest {
  static Platform platform;
  static OnnxModel model;
  static ProfileTable table;

  @BeforeAll
  static void profile() {
    platform = Platforms.emulated("sd855-pixel4", 1, false);
    model = PipelineFixture.mobileNetLarge();
    table = Profiler.profile(model, platform, new Profiler.Options(12, 0, 1, 1));
  }

  @AfterAll
  static void close() {
    platform.close();
  }

  private static RunReport saturate(Plan plan, Duration length) {
    SimulatedTime sim = new SimulatedTime();
    try (Pipeline p = PipelineFixture.pipeline(model, platform, plan,
        PipelineFixture.unpaced(model, sim, length), ShedPolicy.BLOCK, sim)) {
      return PipelineFixture.simulate(p, sim);
    }
  }

  @Test
  void achievesThePlansThroughputBoundWithAndWithoutReplicas() {
    for (PlannerOptions opts : List.of(PlannerOptions.defaults(), PlannerOptions.defaults().withoutReplicas())) {
      Plan plan = Planner.plan(table, Optional.empty(), opts);
      RunReport r = saturate(plan, Duration.ofSeconds(20));
      double ratio = r.steadyThroughputFps() / plan.throughputFps();
      System.out.printf(Locale.ROOT, "plan %s: bound %.1f fps, achieved %.1f fps in simulation, ratio %.4f%n",
          plan.label(), plan.throughputFps(), r.steadyThroughputFps(), ratio);
      assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
      assertThat(r.ledger().inFlight()).isZero();
      assertThat(r.ledger().shed() + r.ledger().failed()).isZero();
      assertThat(r.orderViolations()).isZero();
      assertThat(ratio).isGreaterThanOrEqualTo(0.95).isLessThanOrEqualTo(1.02);
    }
  }

  @Test
  void replicasOfVeryUnequalSpeedStillReachTheBound() {
    // mobilenet-small on sd855: the CPU replica takes 0.15 ms a frame, the GPU one about 2.5 ms with its links
    OnnxModel small = PipelineFixture.mobileNetSmall();
    ProfileTable t = Profiler.profile(small, platform, new Profiler.Options(24, 0, 1, 1));
    Plan plan = Planner.plan(t, Optional.empty(), PlannerOptions.defaults());
    assertThat(plan.stages().get(0).replicas()).hasSize(3);
    SimulatedTime sim = new SimulatedTime();
    RunReport r;
    try (Pipeline p = PipelineFixture.pipeline(small, platform, plan,
        PipelineFixture.unpaced(small, sim, Duration.ofSeconds(5)), ShedPolicy.BLOCK, sim)) {
      r = PipelineFixture.simulate(p, sim);
    }
    assertThat(r.orderViolations()).isZero();
    assertThat(r.steadyThroughputFps() / plan.throughputFps()).isGreaterThanOrEqualTo(0.98);
  }

  @Test
  void autoSplitBeatsTheBestSingleProcessorAndMatchesExhaustiveSearch() {
    Plan auto = Planner.plan(table, Optional.empty(), PlannerOptions.defaults());
    Plan single = Planner.bestSingle(table);
    Plan best = ExhaustiveSearch.best(table, Optional.empty(), PlannerOptions.defaults()).orElseThrow();
    double achievedAuto = saturate(auto, Duration.ofSeconds(10)).steadyThroughputFps();
    double achievedSingle = saturate(single, Duration.ofSeconds(10)).steadyThroughputFps();
    System.out.printf(Locale.ROOT, "auto %s %.1f fps vs best single %s %.1f fps: %.2fx; exhaustive optimum %s %.1f fps%n",
        auto.label(), achievedAuto, single.label(), achievedSingle, achievedAuto / achievedSingle, best.label(),
        best.throughputFps());
    assertThat(auto.throughputFps()).isEqualTo(best.throughputFps(), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(achievedAuto).isGreaterThan(achievedSingle);
  }

  @Test
  void simulationIsDeterministic() {
    Plan plan = Planner.plan(table, Optional.empty(), PlannerOptions.defaults().withoutReplicas());
    RunReport a = saturate(plan, Duration.ofSeconds(5));
    RunReport b = saturate(plan, Duration.ofSeconds(5));
    assertThat(a.ledger()).isEqualTo(b.ledger());
    assertThat(a.latency()).isEqualTo(b.latency());
    assertThat(a.durationSeconds()).isEqualTo(b.durationSeconds());
  }

  @Test
  void aSegmentThatThrowsOnOnePercentFailsThoseFramesAndTheStreamGoesOn() {
    Plan plan = SplitSpec.parse("0:cpu", table);
    SimulatedTime sim = new SimulatedTime();
    Assembly.Loaded loaded = Assembly.load(model, platform, plan);
    Pipeline.Replica real = loaded.stages().get(0).replicas().get(0);
    Pipeline.Replica flaky = new Pipeline.Replica(real.processor(), new EveryHundredthFails(real.loaded()));
    Pipeline.StageBinding stage = new Pipeline.StageBinding(0, loaded.stages().get(0).segment(), List.of(flaky));
    AtomicLong seenFailed = new AtomicLong();
    try (Pipeline p = Pipeline.builder().model(model.name()).platform(platform).plan(plan).stages(List.of(stage))
        .source(PipelineFixture.live(model, sim, Duration.ofMillis(20), 1000))
        .policy(ShedPolicy.BLOCK).clock(sim, true).registry(new SimpleMeterRegistry())
        .onOutcome(o -> {
          if (o instanceof io.splitstream.operators.Outcome.Failed<?> f) {
            assertThat(f.cause()).hasMessageContaining("injected");
            seenFailed.incrementAndGet();
          }
        })
        .onClose(loaded.release()).build()) {
      RunReport r = PipelineFixture.simulate(p, sim);
      assertThat(r.ledger().offered()).isEqualTo(1000);
      assertThat(r.ledger().failed()).isEqualTo(10);
      assertThat(r.ledger().failedByCause()).containsEntry("IllegalStateException", 10L);
      assertThat(r.ledger().completed()).isEqualTo(990);
      assertThat(seenFailed).hasValue(10);
      assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
      assertThat(r.orderViolations()).isZero();
    }
  }

  @Test
  void cancellingMidStreamLeavesTheLedgerBalanced() {
    Plan plan = Planner.plan(table, Optional.empty(), PlannerOptions.defaults().withoutReplicas());
    SimulatedTime sim = new SimulatedTime();
    try (Pipeline p = PipelineFixture.pipeline(model, platform, plan,
        PipelineFixture.live(model, sim, Duration.ofMillis(2), 100_000), ShedPolicy.DROP_OLDEST, sim)) {
      Disposable run = p.run().subscribe();
      sim.runFor(Duration.ofSeconds(3));
      assertThat(p.ledger().inFlight()).isPositive();
      run.dispose();
      var after = p.ledger();
      assertThat(after.balanced()).isTrue();
      assertThat(after.inFlight()).isZero();
      assertThat(after.shed("cancelled")).isPositive();
      assertThat(after.completed()).isPositive();
    }
  }

  @Test
  void drainingFinishesWhatIsInFlightThenReports() {
    Plan plan = Planner.plan(table, Optional.empty(), PlannerOptions.defaults().withoutReplicas());
    SimulatedTime sim = new SimulatedTime();
    try (Pipeline p = PipelineFixture.pipeline(model, platform, plan,
        PipelineFixture.live(model, sim, Duration.ofMillis(10), 100_000), ShedPolicy.BLOCK, sim)) {
      var report = new java.util.concurrent.atomic.AtomicReference<RunReport>();
      p.run().subscribe(report::set);
      sim.runFor(Duration.ofSeconds(2));
      assertThat(report.get()).isNull();
      p.drain();
      sim.run();
      assertThat(report.get()).isNotNull();
      assertThat(report.get().ledger().inFlight()).isZero();
      assertThat(report.get().audit().passed()).as(report.get().audit().summary()).isTrue();
      assertThat(report.get().ledger().completed()).isEqualTo(report.get().ledger().offered());
    }
  }

  @Test
  void aSegmentPlacedOnAProcessorThatLacksOneOfItsOpsIsRefused() {
    OnnxModel withSin = OnnxModel.parse("op-sin", OnnxModelGenerator.withOp("Sin", 3).toByteArray());
    ProfileTable t = Profiler.profile(withSin, platform, new Profiler.Options(4, 0, 1, 1));
    assertThat(t.blocks().stream().filter(b -> b.opTypes().contains("Sin")))
        .allSatisfy(b -> assertThat(b.supportedOn("npu")).isFalse());
    Plan auto = Planner.plan(t, Optional.empty(), PlannerOptions.defaults());
    auto.stages().forEach(s -> t.blocks().subList(s.firstBlock(), s.endBlock()).stream()
        .filter(b -> b.opTypes().contains("Sin"))
        .forEach(b -> assertThat(s.processors()).doesNotContain("npu", "gpu")));
    // by hand, through the devices layer: the npu refuses the whole model
    Processor npu = platform.processor("npu");
    assertThatThrownBy(() -> npu.load(withSin.whole()))
        .isInstanceOf(UnsupportedOpException.class)
        .hasMessageContaining("Sin")
        .hasMessageContaining("npu");
  }

  /** Fails every hundredth invocation, like a kernel with a rare bad input. */
  private static final class EveryHundredthFails implements LoadedSegment {
    private final LoadedSegment delegate;
    private long calls;

    EveryHundredthFails(LoadedSegment delegate) {
      this.delegate = delegate;
    }

    @Override
    public Segment segment() {
      return delegate.segment();
    }

    @Override
    public Processor processor() {
      return delegate.processor();
    }

    @Override
    public Duration loadTime() {
      return delegate.loadTime();
    }

    @Override
    public Execution run(TensorMap inputs) {
      if (++calls % 100 == 0) {
        throw new IllegalStateException("injected failure on call " + calls);
      }
      return delegate.run(inputs);
    }

    @Override
    public Duration expectedServiceTime() {
      return delegate.expectedServiceTime();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
