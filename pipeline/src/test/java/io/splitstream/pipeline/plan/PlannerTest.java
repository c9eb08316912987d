package io.splitstream.pipeline.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.ProcessorKind;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlannerTest {
  private static final double EPS = 1e-9;

  private static ProfileTable.Builder cpuGpu(String model) {
    return ProfileTable.builder(model)
        .processor("cpu", ProcessorKind.CPU, false, "host")
        .processor("gpu", ProcessorKind.GPU, true, "emulated gpu");
  }

  private static Duration ms(double ms) {
    return Duration.ofNanos(Math.round(ms * 1e6));
  }

  @Test
  void matchesExhaustiveSearchOnRandomTables() {
    Random r = new Random(20240501L);
    int feasible = 0;
    int infeasible = 0;
    int budgetBound = 0;
    int replicated = 0;
    for (int i = 0; i < 600; i++) {
      int blocks = 1 + r.nextInt(7);
      int procs = 3 + r.nextInt(2);
      ProfileTable table = RandomTables.table(r, blocks, procs, r.nextInt(4) != 0, 0.25);
      PlannerOptions options = PlannerOptions.defaults().withReplicas(r.nextBoolean());
      if (r.nextInt(5) == 0) {
        options = options.withAvailability(table.processorIds().get(r.nextInt(procs)),
            new Availability.State(1, 0.5, r.nextInt(3) != 0));
      }
      Optional<Duration> budget = Optional.empty();
      Optional<Plan> unbounded = ExhaustiveSearch.best(table, Optional.empty(), options);
      if (unbounded.isPresent() && r.nextInt(3) != 0) {
        budget = Optional.of(ms(unbounded.get().latencyMs() * (0.6 + 0.6 * r.nextDouble())));
      }
      String context = "case " + i + " " + table + " " + options + " budget " + budget;

      Optional<Plan> expected = ExhaustiveSearch.best(table, budget, options);
      if (expected.isEmpty()) {
        infeasible++;
        Optional<Duration> b = budget;
        PlannerOptions o = options;
        assertThatThrownBy(() -> Planner.plan(table, b, o)).as(context)
            .isInstanceOf(SplitstreamException.class)
            .hasMessageStartingWith("no plan for random");
        continue;
      }
      feasible++;
      Plan plan = Planner.plan(table, budget, options);
      assertThat(plan.bottleneckMs()).as(context)
          .isCloseTo(expected.get().bottleneckMs(), within(EPS));
      assertThat(plan.latencyMs()).as(context).isLessThanOrEqualTo(expected.get().latencyMs() + EPS);
      assertThat(plan.latencyMs()).as(context).isCloseTo(expected.get().latencyMs(), within(EPS));
      if (budget.isPresent()) {
        assertThat(plan.latencyMs()).as(context)
            .isLessThanOrEqualTo(budget.get().toNanos() / 1e6);
        if (unbounded.get().latencyMs() > budget.get().toNanos() / 1e6) {
          budgetBound++;
        }
      }
      if (!options.allowReplicas()) {
        assertThat(plan.stages()).as(context).allMatch(s -> !s.replicated());
      }
      if (plan.stages().stream().anyMatch(Plan.Stage::replicated)) {
        replicated++;
      }
      // The plan's label reads back as the same plan (a label writes replicas in name order, and
      // the order of a stage's replicas carries no meaning: the segment cache serves fastest first).
      assertThat(byName(SplitSpec.parse(plan.label(), table, options).stages())).as(context)
          .isEqualTo(byName(plan.stages()));
    }
    // The random cases must exercise every branch they are meant to.
    assertThat(feasible).isGreaterThan(300);
    assertThat(infeasible).isGreaterThan(20);
    assertThat(budgetBound).isGreaterThan(20);
    assertThat(replicated).isGreaterThan(20);
  }

  @Test
  void aBlockOnlyTheCpuSupportsStaysOnTheCpu() {
    ProfileTable table = cpuGpu("cpuonly")
        .processor("npu", ProcessorKind.NPU, true, "emulated npu")
        .block(4, RandomTables.on(1, "cpu", "gpu", "npu")).cut(100)
        .block(8, RandomTables.on(1, "cpu", "gpu", "npu")).cut(100)
        .block(12, Map.of("cpu", 20.0)).cut(100)
        .block(16, RandomTables.on(1, "cpu", "gpu", "npu"))
        .build();
    for (PlannerOptions o : List.of(PlannerOptions.defaults(), PlannerOptions.defaults().withoutReplicas())) {
      Plan plan = Planner.plan(table, Optional.empty(), o);
      Plan.Stage holder = plan.stages().stream()
          .filter(s -> s.firstBlock() <= 2 && 2 < s.endBlock()).findFirst().orElseThrow();
      assertThat(holder.processors()).containsExactly("cpu");
      assertThat(plan.bottleneckMs()).isEqualTo(20.0);
    }
  }

  @Test
  void transferCostMakesSplittingLoseToOneProcessor() {
    // Without transfer costs, cpu then gpu halves the slowest stage; with a slow link between
    // them every split pays more for moving tensors than it saves (pitfall 3).
    ProfileTable.Builder base = cpuGpu("pitfall3")
        .inputBytes(1000).outputBytes(1000)
        .block(10, Map.of("cpu", 4.0, "gpu", 6.0)).cut(1000)
        .block(20, Map.of("cpu", 6.0, "gpu", 4.0));
    ProfileTable free = base.build();
    ProfileTable slowLink = base.links("cpu", "gpu", 7.0, 1000.0).build();
    PlannerOptions single = PlannerOptions.defaults().withoutReplicas();

    Plan split = Planner.plan(free, Optional.empty(), single);
    assertThat(split.label()).isEqualTo("0:cpu,10:gpu");
    assertThat(split.bottleneckMs()).isEqualTo(4.0);

    Plan plan = Planner.plan(slowLink, Optional.empty(), single);
    assertThat(plan.label()).isEqualTo("0:cpu");
    assertThat(plan.bottleneckMs()).isEqualTo(10.0);
    assertThat(plan).isEqualTo(Planner.bestSingle(slowLink));
    // The split the free link chose is now far worse: 8 ms in, 4 ms compute, 8 ms out.
    assertThat(SplitSpec.parse("0:cpu,10:gpu", slowLink).bottleneckMs()).isEqualTo(20.0);
  }

  @Test
  void replicasShareAStageWhenAllowed() {
    ProfileTable table = cpuGpu("replica").block(3, Map.of("cpu", 10.0, "gpu", 10.0)).build();
    Plan both = Planner.plan(table, Optional.empty(), PlannerOptions.defaults());
    assertThat(both.stages()).hasSize(1);
    assertThat(both.stages().get(0).processors()).containsExactlyInAnyOrder("cpu", "gpu");
    assertThat(both.bottleneckMs()).isCloseTo(5.0, within(EPS));
    assertThat(both.latencyMs()).isEqualTo(10.0);
    assertThat(both.throughputFps()).isCloseTo(200.0, within(1e-6));

    Plan one = Planner.plan(table, Optional.empty(), PlannerOptions.defaults().withoutReplicas());
    assertThat(one.stages().get(0).processors()).hasSize(1);
    assertThat(one.bottleneckMs()).isEqualTo(10.0);
  }

  @Test
  void aReplicaThatGainsNothingIsLeftOut() {
    // Stage 0 (cpu only) is the bottleneck; a second replica for stage 1 would change neither the
    // bottleneck nor the latency, so the plan uses fewer processors.
    ProfileTable table = cpuGpu("spare")
        .processor("npu", ProcessorKind.NPU, true, "emulated npu")
        .block(5, Map.of("cpu", 10.0)).cut(0)
        .block(9, Map.of("gpu", 1.0, "npu", 1.0))
        .build();
    Plan plan = Planner.plan(table, Optional.empty(), PlannerOptions.defaults());
    assertThat(plan.stages()).hasSize(2);
    assertThat(plan.stages().get(1).processors()).hasSize(1);
    assertThat(plan.bottleneckMs()).isEqualTo(10.0);
    assertThat(plan.latencyMs()).isEqualTo(11.0);
  }

  @Test
  void aLatencyBudgetTradesThroughputForLatency() {
    ProfileTable table = cpuGpu("budget")
        .block(4, Map.of("cpu", 5.0, "gpu", 5.0)).cut(0)
        .block(8, Map.of("cpu", 5.0, "gpu", 5.0))
        .links("cpu", "gpu", 1.0, 1e6)
        .build();
    PlannerOptions noReplicas = PlannerOptions.defaults().withoutReplicas();
    // Pipelined: 1 ms in + 5 ms on gpu, then 1 ms back + 5 ms on cpu, the host.
    Plan free = Planner.plan(table, Optional.empty(), noReplicas);
    assertThat(free.label()).isEqualTo("0:gpu,4:cpu");
    assertThat(free.bottleneckMs()).isEqualTo(6.0);
    assertThat(free.latencyMs()).isEqualTo(12.0);

    Plan tight = Planner.plan(table, Optional.of(Duration.ofMillis(11)), noReplicas);
    assertThat(tight.label()).isEqualTo("0:cpu");
    assertThat(tight.latencyMs()).isEqualTo(10.0);

    assertThat(Planner.plan(table, Optional.of(Duration.ofMillis(12)), noReplicas))
        .isEqualTo(free);
  }

  @Test
  void aBudgetBelowTheLowestLatencySaysWhatIsAchievable() {
    ProfileTable table = cpuGpu("tight")
        .block(4, Map.of("cpu", 5.0, "gpu", 7.0)).cut(0)
        .block(8, Map.of("cpu", 5.0, "gpu", 2.0))
        .build();
    assertThatThrownBy(() -> Planner.plan(table, Optional.of(Duration.ofMillis(5)),
        PlannerOptions.defaults()))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("no plan for tight meets the latency budget of 5.000 ms: the lowest achievable"
            + " latency is 7.000 ms (split 0:cpu,4:gpu); raise the budget to at least that");
    assertThatThrownBy(() -> Planner.plan(table, Optional.of(Duration.ZERO),
        PlannerOptions.defaults()))
        .hasMessageContaining("latency budget PT0S is not positive");
  }

  @Test
  void exhaustiveSearchRefusesLargeTables() {
    ProfileTable big = RandomTables.table(new Random(3), ExhaustiveSearch.MAX_BLOCKS + 1, 3, true, 0);
    assertThatThrownBy(() -> ExhaustiveSearch.best(big, Optional.empty(), PlannerOptions.defaults()))
        .hasMessage("exhaustive search handles at most 16 blocks but the profile of random has 17;"
            + " use Planner.plan, or profile with fewer cut points");
  }

  @Test
  void aBlockNoProcessorSupportsIsReported() {
    ProfileTable table = cpuGpu("orphan")
        .block(4, Map.of("cpu", 1.0)).cut(0)
        .block(8, Map.of(), List.of("Einsum"), Map.of())
        .build();
    assertThatThrownBy(() -> Planner.plan(table, Optional.empty(), PlannerOptions.defaults()))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("no plan for orphan: block 1 (nodes [4,8)) (ops Einsum) runs on no available"
            + " processor; profile it on a processor that has all its ops");
  }

  @Test
  void anOfflineProcessorIsAvoidedAndAThrottledOneSlowsDown() {
    ProfileTable table = cpuGpu("avail")
        .block(4, Map.of("cpu", 8.0, "gpu", 2.0)).cut(0)
        .block(8, Map.of("gpu", 2.0))
        .build();
    assertThat(Planner.plan(table, Optional.empty(), PlannerOptions.defaults()).label())
        .isEqualTo("0:gpu");
    Plan throttled = Planner.plan(table, Optional.empty(), PlannerOptions.defaults()
        .withAvailability("gpu", new Availability.State(0.5, 0.5, true)));
    assertThat(throttled.label()).isEqualTo("0:cpu,4:gpu");
    assertThat(throttled.bottleneckMs()).isEqualTo(8.0);
    assertThatThrownBy(() -> Planner.plan(table, Optional.empty(), PlannerOptions.defaults()
        .withAvailability("gpu", new Availability.State(1, 1, false))))
        .hasMessage("no plan for avail: block 1 (nodes [4,8)) runs on no available processor;"
            + " only gpu support it and are offline");
    assertThatThrownBy(() -> Planner.plan(table, Optional.empty(), PlannerOptions.defaults()
        .withAvailability("tpu", Availability.FULL)))
        .hasMessageContaining("availability is given for processor 'tpu'");
  }

  @Test
  void blocksThatAlternateMoreThanProcessorsAllowHaveNoPlan() {
    ProfileTable table = cpuGpu("zigzag")
        .block(1, Map.of("cpu", 1.0)).cut(0)
        .block(2, Map.of("gpu", 1.0)).cut(0)
        .block(3, Map.of("cpu", 1.0))
        .build();
    assertThatThrownBy(() -> Planner.plan(table, Optional.empty(), PlannerOptions.defaults()))
        .hasMessageStartingWith("no plan for zigzag: its blocks alternate between processors");
    assertThat(ExhaustiveSearch.best(table, Optional.empty(), PlannerOptions.defaults())).isEmpty();
  }

  @Test
  void bestSinglePicksTheFastestProcessorThatRunsEverything() {
    ProfileTable table = cpuGpu("single")
        .processor("npu", ProcessorKind.NPU, true, "npu")
        .block(4, Map.of("cpu", 6.0, "gpu", 3.0, "npu", 1.0)).cut(0)
        .block(8, Map.of("cpu", 6.0, "gpu", 3.0))
        .build();
    Plan single = Planner.bestSingle(table);
    assertThat(single.label()).isEqualTo("0:gpu");
    assertThat(single.bottleneckMs()).isEqualTo(6.0);
    ProfileTable none = cpuGpu("none")
        .block(4, Map.of("cpu", 6.0)).cut(0)
        .block(8, Map.of("gpu", 3.0))
        .build();
    assertThatThrownBy(() -> Planner.bestSingle(none))
        .hasMessage("no single processor runs all of none (cpu lacks an op of block 1; gpu lacks an"
            + " op of block 0); split it with Planner.plan or --split");
  }

  @Test
  void plansThreeHundredBlocksOnFourProcessors() {
    ProfileTable table = RandomTables.table(new Random(7), 300, 4, true, 0);
    PlannerOptions options = PlannerOptions.defaults();
    Plan plan = Planner.plan(table, Optional.empty(), options);
    double lowest = Planner.lowestLatency(table, options).latencyMs();
    assertThat(lowest).isLessThan(plan.latencyMs());
    Duration budget = ms((lowest + plan.latencyMs()) / 2);
    Plan bounded = Planner.plan(table, Optional.of(budget), options);

    assertThat(bounded.latencyMs()).isLessThanOrEqualTo(budget.toNanos() / 1e6);
    assertThat(bounded.bottleneckMs()).isGreaterThan(plan.bottleneckMs());
    assertThat(plan.bottleneckMs()).isLessThan(Planner.bestSingle(table).bottleneckMs());

    // A figure to read, never to assert: the best of a few runs, after the ones above warmed up
    // the JIT, in this thread's CPU time (the build machine may be shared).
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    long free = Long.MAX_VALUE;
    long bound = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t0 = cpu.getCurrentThreadCpuTime();
      Planner.plan(table, Optional.empty(), options);
      long t1 = cpu.getCurrentThreadCpuTime();
      Planner.plan(table, Optional.of(budget), options);
      long t2 = cpu.getCurrentThreadCpuTime();
      free = Math.min(free, t1 - t0);
      bound = Math.min(bound, t2 - t1);
    }
    System.out.printf(Locale.ROOT, "planner, 300 blocks x 4 processors, replicas allowed, best of"
            + " 3, thread CPU time:%n  no budget: %.1f ms -> %s%n"
            + "  budget %.3f ms (binding): %.1f ms -> %s%n",
        free / 1e6, plan, budget.toNanos() / 1e6, bound / 1e6, bounded);
  }

  /** Stages with each one's replicas in processor-name order. */
  private static List<Plan.Stage> byName(List<Plan.Stage> stages) {
    return stages.stream().map(st -> new Plan.Stage(st.index(), st.firstBlock(), st.endBlock(), st.firstNode(),
        st.endNode(), st.replicas().stream().sorted(java.util.Comparator.comparing(Plan.Replica::processor)).toList()))
        .toList();
  }
}
