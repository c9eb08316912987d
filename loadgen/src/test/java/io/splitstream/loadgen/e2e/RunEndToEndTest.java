package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.loadgen.e2e.E2e.Cli;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole runs of the product in virtual time on the emulated Snapdragon 855: the CLI's default job
 * on a short test video, an hour of a 30 fps stream, and a burst ten times the sustainable rate
 * under each overload policy. Every run must end with a balanced ledger and frames in order.
 *
 * <p>The loadgen test JVM has a 512 MiB heap (see loadgen/pom.xml), so these runs passing shows
 * the pipeline's memory stays bounded however long or overloaded the stream is.
 *
 * <p>The hour and the bursts run a generated MobileNetV2 (72 nodes, 96x96 input) rather than
 * BlazeFace: in simulation, outputs are not computed, so each emulated segment must have static
 * output shapes to make zero outputs of, and BlazeFace's cut segments (its Pad outputs) have
 * dynamic ones, which fails the run at profiling. {@link #blazefaceOnATestVideo} keeps that case
 * in view; the rest should move to BlazeFace once it runs.
 */
class RunEndToEndTest {
  private static final String TEST_VIDEO = "testvideo:seconds=10,width=160,height=120";

  @TempDir static Path shared;
  @TempDir Path dir;

  /** A generated MobileNetV2 whose segments all have static shapes (see the class notes). */
  private static Path mobileNet;

  @BeforeAll
  static void setUp() {
    E2e.useRepositoryModels();
    mobileNet = shared.resolve("mobilenet-large.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetLarge()), mobileNet);
  }

  /** The README's job as the CLI runs it: BlazeFace, auto plan, simulated; the 10 s video loops to fill the run. */
  @ParameterizedTest
  @ValueSource(strings = {"60s", "5s"})
  void blazefaceOnATestVideo(String duration) {
    assertVideoRun(duration, false);
  }

  /** As above with host outputs computed, the slower path through real ONNX Runtime sessions. */
  @ParameterizedTest
  @ValueSource(strings = {"60s", "5s"})
  void blazefaceOnATestVideoComputingOutputs(String duration) {
    assertVideoRun(duration, true);
  }

  private void assertVideoRun(String duration, boolean computeOutputs) {
    Path report = dir.resolve("r.json");
    String[] base = {"run", "--simulate", "--duration", duration, "--metrics-port", "-1", "--source", TEST_VIDEO,
        "--report", report.toString()};
    String[] args = computeOutputs ? append(base, "--compute-outputs") : base;
    Cli c = E2e.cli(args);
    assertThat(c.exit()).as("exit code; err:%n%s%nout:%n%s", c.err(), c.out()).isZero();
    RunReport r = RunReport.read(report);
    assertThat(r.model()).isEqualTo("blazeface");
    assertThat(r.emulated()).isTrue();
    assertThat(r.simulated()).isTrue();
    assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
    assertThat(r.ledger().inFlight()).isZero();
    assertThat(r.ledger().completed()).isPositive();
    assertThat(r.orderViolations()).isZero();
    // file replay blocks: nothing is shed; the 10 s clip loops to fill the duration (30 frames a second)
    assertThat(r.ledger().shed()).isZero();
    if (duration.equals("5s")) {
      assertThat(r.durationSeconds()).isLessThanOrEqualTo(5.0 + 1.0);
      assertThat(r.ledger().offered()).isLessThan(300);
    } else {
      assertThat(r.ledger().offered()).as("60 s of a 30 fps clip looped six times").isBetween(1800L, 1801L);
      assertThat(r.ledger().completed()).isEqualTo(r.ledger().offered());
    }
    System.out.printf(Locale.ROOT, "video run %s compute=%s: %s%n", duration, computeOutputs, r.ledger());
  }

  /** An hour of a live 30 fps stream takes seconds of wall time in virtual time. */
  @Test
  void anHourOfA30FpsStream() {
    long t0 = System.nanoTime();
    RunReport r = Runner.run(options("synthetic:constant,rate=30", Optional.empty(), Optional.empty(),
        Duration.ofHours(1)), sink());
    double wall = (System.nanoTime() - t0) / 1e9;
    assertThat(r.ledger().offered()).isBetween(108_000L - 1, 108_000L + 1);
    assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
    assertThat(r.ledger().completed() + r.ledger().shed()).isEqualTo(r.ledger().offered());
    assertThat(r.orderViolations()).isZero();
    System.out.printf(Locale.ROOT, "one simulated hour at 30 fps: %s, wall %.1f s, peak heap %d MiB%n",
        r.ledger(), wall, peakHeapMiB());
  }

  /**
   * Ten seconds at ten times the sustainable rate, then twenty at half of it, under each policy.
   * Arrivals: burst {@code rate*factor} for the first third of a 30 s period, then {@code rate}.
   */
  @ParameterizedTest
  @ValueSource(strings = {"block", "drop-oldest", "drop-newest", "deadline"})
  void aBurstAtTenTimesTheSustainableRate(String policy) {
    double sustainable = sustainableFps();
    double rate = 0.5 * sustainable;
    String source = String.format(Locale.ROOT, "synthetic:burst,rate=%.3f,factor=20,period=30s,duty=0.3333", rate);
    Optional<Duration> budget = policy.equals("deadline")
        ? Optional.of(Duration.ofMillis((long) Math.ceil(3 * predictedLatencyMs())))
        : Optional.empty();
    resetPeakHeap();
    // the shed policies under a fixed plan: the latency bound below is the starting plan's
    RunReport r = Runner.run(options(source, Optional.of(policy), budget, Duration.ofSeconds(30))
        .withAdapt(Runner.Adapt.defaults().withMode(io.splitstream.pipeline.adapt.Controller.Mode.OFF)), sink());
    RunReport.LedgerReport l = r.ledger();
    assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
    System.out.printf(Locale.ROOT, "burst, policy %s (sustainable %.1f fps): offered %d completed %d shed %d %s; "
            + "latency max %.2f ms; run %.1f s; peak heap %d MiB%n",
        policy, sustainable, l.offered(), l.completed(), l.shed(), l.shedByReason(), r.latency().maxMs(),
        r.durationSeconds(), peakHeapMiB());

    assertThat(l.balanced()).isTrue();
    assertThat(l.inFlight()).isZero();
    assertThat(l.failed()).isZero();
    assertThat(r.orderViolations()).isZero();
    assertThat(l.completed() + l.shed()).isEqualTo(l.offered());
    // the source stops at --duration; what is in flight then drains in well under a second
    assertThat(r.durationSeconds()).isLessThanOrEqualTo(30.0 + 1.0);
    Map<String, Long> shed = l.shedByReason();
    switch (policy) {
      case "drop-oldest", "drop-newest" -> {
        assertThat(l.shed()).isPositive();
        assertThat(shed.keySet()).containsExactly(policy);
      }
      case "deadline" -> {
        assertThat(shed).containsKey("deadline");
        assertThat(shed.get("deadline")).isPositive();
        assertThat(shed.keySet()).isSubsetOf(Set.of("deadline", io.splitstream.operators.ShedPolicy.Deadline.OVERFLOW));
        // a frame is let in only when it is forecast to finish within the budget, and shed at
        // every stage entry when it no longer can; the forecast may miss by the replicas' spread
        // (one stage of unequal replicas here), which the plan's latency bounds. 1% slack: the
        // histogram reports its maximum rounded up to 3 significant digits.
        double budgetMs = budget.orElseThrow().toNanos() / 1e6;
        assertThat(r.latency().maxMs()).isLessThanOrEqualTo((budgetMs + r.predictedLatencyMs()) * 1.01);
      }
      default -> {
        assertThat(l.shed()).isZero();
        // the live source was made to wait: far fewer frames than the ~110x sustainable arrivals
        double arrivals = rate * 20 * 10 + rate * 20;
        assertThat((double) l.offered()).isLessThan(0.5 * arrivals);
      }
    }
  }

  private static Double sustainable;
  private static Double latencyMs;

  /** The plan's predicted throughput and latency for the model on the SoC, from a short run. */
  private static synchronized double sustainableFps() {
    if (sustainable == null) {
      RunReport r = Runner.run(options("synthetic:constant,rate=30", Optional.empty(), Optional.empty(),
          Duration.ofSeconds(1)), sink());
      sustainable = r.predictedThroughputFps();
      latencyMs = r.predictedLatencyMs();
      assertThat(sustainable).isPositive();
    }
    return sustainable;
  }

  private static double predictedLatencyMs() {
    sustainableFps();
    return latencyMs;
  }

  private static Runner.Options options(String source, Optional<String> policy, Optional<Duration> budget,
      Duration duration) {
    return E2e.simulated(mobileNet.toString(), source, policy, budget, duration);
  }

  private static PrintWriter sink() {
    return new PrintWriter(new StringWriter());
  }

  private static String[] append(String[] a, String... more) {
    String[] r = Arrays.copyOf(a, a.length + more.length);
    System.arraycopy(more, 0, r, a.length, more.length);
    return r;
  }

  private static void resetPeakHeap() {
    ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  /** The sum of the heap pools' peaks since the last reset (an upper bound on the peak heap used). */
  private static long peakHeapMiB() {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getPeakUsage().getUsed()).sum() >> 20;
  }
}
