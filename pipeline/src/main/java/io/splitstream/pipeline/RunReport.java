package io.splitstream.pipeline;

import io.splitstream.devices.io.OutputFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.operators.LedgerSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one run did: the plan it ran and what the planner predicted, the ledger (offered =
 * completed + shed + failed + in flight), throughput, end-to-end latency percentiles and each
 * stage's queue wait against its service time. Durations are on the pipeline's clock: virtual in
 * a simulation, and every figure of an emulated processor is the profile's, never a hardware
 * measurement ({@code emulated} says which).
 *
 * @param throughputFps completed frames over the whole run time
 * @param steadyThroughputFps completed frames per second between the first and the last
 *     completion (excludes the pipeline filling up)
 * @param orderViolations frames that reached the sink after a later frame of their stream (0)
 * @param emulationLagFrames invocations where the host computed an emulated processor's outputs
 *     slower than the profile's service time, so the emulated timing could not be kept (real-time
 *     mode only; simulation keeps it exactly)
 * @param metricsUrl where the run served {@code /metrics}, empty when it served none
 * @param retried frames run again under a later plan after their processor was lost
 * @param budgetMs the latency budget completed frames are counted against, 0 when none
 * @param withinBudget completed frames whose end-to-end latency was within the budget
 * @param audit the end-of-run audit: every offered frame settled exactly once, by stream and seq
 * @param error why the run ended early (a source that failed), empty when it did not
 * @param adaptation the plans the run went through and the controller's decisions
 * @param timeline completed frames per second over the run, bucket by bucket
 * @param detail per-stream figures and figures over time (empty until the runner adds them)
 */
public record RunReport(
    String model,
    String platform,
    String platformDescription,
    boolean emulated,
    boolean simulated,
    String source,
    String policy,
    String plan,
    double predictedThroughputFps,
    double predictedLatencyMs,
    double durationSeconds,
    LedgerReport ledger,
    double throughputFps,
    double steadyThroughputFps,
    LatencyReport latency,
    List<StageReport> stages,
    long orderViolations,
    long emulationLagFrames,
    String metricsUrl,
    long retried,
    double budgetMs,
    long withinBudget,
    AuditReport audit,
    String error,
    Adaptation adaptation,
    Timeline timeline,
    io.splitstream.pipeline.report.RunDetail detail) {

  /** The finest bucket of the throughput timeline. */
  public static final java.time.Duration TIMELINE_BUCKET = java.time.Duration.ofMillis(100);

  /** At most this many buckets in a report: longer runs merge neighbouring buckets. */
  public static final int TIMELINE_MAX_BUCKETS = 2000;

  public RunReport {
    stages = List.copyOf(stages);
  }

  /**
   * Throughput over the run: {@code fps[i]} is the completed frames per second in {@code [i *
   * bucketSeconds, (i + 1) * bucketSeconds)} from the start.
   */
  public record Timeline(double bucketSeconds, List<Double> fps) {
    public Timeline {
      fps = List.copyOf(fps);
    }

    static Timeline of(List<Long> per100ms) {
      int merge = Math.max(1, (per100ms.size() + TIMELINE_MAX_BUCKETS - 1) / TIMELINE_MAX_BUCKETS);
      double bucket = TIMELINE_BUCKET.toNanos() / 1e9 * merge;
      List<Double> out = new java.util.ArrayList<>();
      for (int i = 0; i < per100ms.size(); i += merge) {
        long n = 0;
        for (int j = i; j < Math.min(per100ms.size(), i + merge); j++) {
          n += per100ms.get(j);
        }
        out.add(n / bucket);
      }
      return new Timeline(bucket, out);
    }

    /**
     * The first time, in seconds from the start, at or after {@code fromSeconds} where throughput
     * over {@code window} consecutive buckets reaches {@code fps}; -1 if it never does.
     */
    public double firstReaching(double fromSeconds, double target, int window) {
      int start = (int) Math.ceil(fromSeconds / bucketSeconds - 1e-9);
      for (int i = Math.max(0, start); i + window <= fps.size(); i++) {
        double sum = 0;
        for (int j = i; j < i + window; j++) {
          sum += fps.get(j);
        }
        if (sum / window >= target) {
          return (i + window) * bucketSeconds;
        }
      }
      return -1;
    }
  }

  /** The audit's verdict and its one-line account. */
  public record AuditReport(boolean passed, String summary) {}

  /**
   * What the controller did.
   *
   * @param mode {@code off} (the starting plan throughout), {@code adaptive} or {@code oracle}
   * @param finalPlan the plan running at the end
   * @param finalEpoch its epoch (the number of switches made)
   * @param loadMs load time charged for all switches
   * @param decisions every switch, in order
   * @param events the scenario events applied, e.g. {@code t=10.000s gpu share 0.30}
   */
  public record Adaptation(String mode, String finalPlan, long finalEpoch, double loadMs,
      List<io.splitstream.pipeline.adapt.Decision> decisions, List<String> events) {
    public Adaptation {
      decisions = List.copyOf(decisions);
      events = List.copyOf(events);
    }

    public static Adaptation none(String plan, long epoch, double loadMs) {
      return new Adaptation("off", plan, epoch, loadMs, List.of(), List.of());
    }

    /** Switches by trigger. */
    public Map<String, Long> switchesByTrigger() {
      Map<String, Long> m = new TreeMap<>();
      decisions.forEach(d -> m.merge(d.trigger(), 1L, Long::sum));
      return m;
    }
  }

  /** Frames completed within the budget per second of the run; 0 without a budget. */
  public double goodputFps() {
    return budgetMs > 0 && durationSeconds > 0 ? withinBudget / durationSeconds : 0;
  }

  /** Share of offered frames that completed within the budget; 0 without a budget. */
  public double withinBudgetShare() {
    return budgetMs > 0 && ledger.offered() > 0 ? (double) withinBudget / ledger.offered() : 0;
  }

  /** The ledger at the end of the run. */
  public record LedgerReport(
      long offered,
      long completed,
      long shed,
      Map<String, Long> shedByReason,
      long failed,
      Map<String, Long> failedByCause,
      long inFlight,
      boolean balanced) {
    public LedgerReport {
      shedByReason = new TreeMap<>(shedByReason);
      failedByCause = new TreeMap<>(failedByCause);
    }

    static LedgerReport of(LedgerSnapshot s) {
      return new LedgerReport(s.offered(), s.completed(), s.shed(), s.shedByReason(), s.failed(),
          s.failedByCause(), s.inFlight(), s.balanced());
    }
  }

  /** End-to-end latency of completed frames, capture to sink, in milliseconds. */
  public record LatencyReport(long count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double maxMs) {
    static LatencyReport of(Histogram h) {
      if (h.getTotalCount() == 0) {
        return new LatencyReport(0, 0, 0, 0, 0, 0);
      }
      return new LatencyReport(h.getTotalCount(), h.getMean() / 1e6, h.getValueAtPercentile(50) / 1e6,
          h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }
  }

  /**
   * One stage over the run.
   *
   * @param meanQueueMs mean wait between the frame being ready for the stage and a worker taking it
   * @param meanServiceMs mean time a worker spent on a frame: transfer in, compute (the profile's
   *     time when emulated), transfer out for the last stage
   * @param meanHostMs mean time the host really spent computing the outputs
   * @param utilisation service time over the time its epoch was current (and finishing), per replica
   * @param busyShare the processors' busy share over the last metrics window
   * @param epoch the plan epoch the stage belongs to
   */
  public record StageReport(
      long epoch,
      int index,
      String segment,
      List<String> processors,
      boolean emulated,
      long frames,
      double meanQueueMs,
      double meanServiceMs,
      double meanHostMs,
      double utilisation,
      double busyShare) {
    public StageReport {
      processors = List.copyOf(processors);
    }
  }

  public RunReport withMetricsUrl(String url) {
    return new RunReport(model, platform, platformDescription, emulated, simulated, source, policy, plan,
        predictedThroughputFps, predictedLatencyMs, durationSeconds, ledger, throughputFps, steadyThroughputFps,
        latency, stages, orderViolations, emulationLagFrames, url, retried, budgetMs, withinBudget, audit, error,
        adaptation, timeline, detail);
  }

  public RunReport withAdaptation(Adaptation a) {
    return new RunReport(model, platform, platformDescription, emulated, simulated, source, policy, plan,
        predictedThroughputFps, predictedLatencyMs, durationSeconds, ledger, throughputFps, steadyThroughputFps,
        latency, stages, orderViolations, emulationLagFrames, metricsUrl, retried, budgetMs, withinBudget, audit,
        error, a, timeline, detail);
  }

  public RunReport withDetail(io.splitstream.pipeline.report.RunDetail d) {
    return new RunReport(model, platform, platformDescription, emulated, simulated, source, policy, plan,
        predictedThroughputFps, predictedLatencyMs, durationSeconds, ledger, throughputFps, steadyThroughputFps,
        latency, stages, orderViolations, emulationLagFrames, metricsUrl, retried, budgetMs, withinBudget, audit,
        error, adaptation, timeline, d);
  }

  /** True when the audit passed and no frame left out of order. */
  public boolean sound() {
    return audit.passed() && orderViolations == 0 && ledger.balanced() && ledger.inFlight() == 0;
  }

  /** The summary table the CLI prints at the end of a run. */
  public String render() {
    StringBuilder b = new StringBuilder();
    String mode = simulated ? "simulated (virtual time)" : "real time";
    b.append(String.format(Locale.ROOT, "Run summary: %s on %s, %s, %.1f s%n", model, platform, mode, durationSeconds));
    b.append("  platform  ").append(platformDescription).append('\n');
    b.append("  source    ").append(source).append('\n');
    b.append("  plan      ").append(plan).append(String.format(Locale.ROOT,
        "  (predicted %.1f fps, %.2f ms latency)%s%n", predictedThroughputFps, predictedLatencyMs,
        adaptation.finalEpoch() > 0 ? " at start; at the end " + adaptation.finalPlan() + " (epoch "
            + adaptation.finalEpoch() + ")" : ""));
    b.append("  policy    ").append(policy).append('\n');
    b.append(String.format(Locale.ROOT, "  ledger    offered %d = completed %d + shed %d %s+ failed %d %s+ in flight %d  [%s]%n",
        ledger.offered(), ledger.completed(), ledger.shed(), ledger.shedByReason().isEmpty() ? "" : ledger.shedByReason() + " ",
        ledger.failed(), ledger.failedByCause().isEmpty() ? "" : ledger.failedByCause() + " ", ledger.inFlight(),
        ledger.balanced() ? "balanced" : "UNBALANCED"));
    b.append(String.format(Locale.ROOT, "  throughput %.1f fps (steady %.1f fps)%s%n", throughputFps, steadyThroughputFps,
        retried > 0 ? "; retried " + retried + " after a processor was lost" : ""));
    if (budgetMs > 0) {
      b.append(String.format(Locale.ROOT, "  budget    %.1f ms: %d completed within it, %.1f%% of offered; goodput %.1f fps,"
          + " %.1f%% of the first plan's bound%n", budgetMs, withinBudget, 100 * withinBudgetShare(), goodputFps(),
          predictedThroughputFps > 0 ? 100 * goodputFps() / predictedThroughputFps : 0));
    }
    b.append(String.format(Locale.ROOT, "  latency   p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (%d frames)%n",
        latency.p50Ms(), latency.p90Ms(), latency.p99Ms(), latency.maxMs(), latency.count()));
    if (detail != null && detail.streams().size() > 1) {
      b.append(String.format(Locale.ROOT, "  streams   %d; per stream:%n", detail.streams().size()));
      for (io.splitstream.pipeline.report.RunDetail.StreamReport s : detail.streams()) {
        b.append(String.format(Locale.ROOT,
            "    %-10s offered %d, completed %d, shed %d, failed %d, %.1f fps, p50 %.2f ms, p99 %.2f ms, order %s%n",
            s.stream(), s.offered(), s.completed(), s.shed(), s.failed(), s.throughputFps(), s.p50Ms(), s.p99Ms(),
            s.orderKept() ? "kept" : "VIOLATED"));
      }
    }
    b.append(String.format(Locale.ROOT, "  %-5s %-5s %-26s %-12s %8s %10s %12s %10s %6s%n",
        "epoch", "stage", "segment", "processor", "frames", "queue ms", "service ms", "host ms", "run util"));
    for (StageReport s : stages) {
      b.append(String.format(Locale.ROOT, "  %-5d %-5d %-26s %-12s %8d %10.3f %12.3f %10.3f %8.0f%%%n",
          s.epoch(), s.index(), s.segment(), io.splitstream.pipeline.plan.Plan.replicasLabel(s.processors())
              + (s.emulated() ? "*" : ""), s.frames(),
          s.meanQueueMs(), s.meanServiceMs(), s.meanHostMs(), 100 * s.utilisation()));
    }
    b.append("  run util: the stage's service time over its epoch's whole time, per replica (not"
        + " splitstream_processor_busy_ratio, a processor's busy share of the last 10 s across all its stages)\n");
    if (emulated) {
      b.append("  * emulated processor: service times follow the SoC profile, not a hardware measurement\n");
    }
    if (orderViolations > 0) {
      b.append("  ORDER VIOLATIONS: ").append(orderViolations).append('\n');
    }
    if (emulationLagFrames > 0) {
      b.append(String.format(Locale.ROOT,
          "  note: on %d invocations the host computed slower than the emulated processor; use --simulate for exact emulated timing%n",
          emulationLagFrames));
    }
    b.append("  audit     ").append(audit.summary()).append('\n');
    if (!error.isEmpty()) {
      b.append("  ended early: ").append(error).append('\n');
    }
    if (!adaptation.events().isEmpty()) {
      b.append("  scenario  ").append(String.join("; ", adaptation.events())).append('\n');
    }
    b.append(String.format(Locale.ROOT, "  adapt     %s: %d switch%s, %.0f ms loading%s%n", adaptation.mode(),
        adaptation.decisions().size(), adaptation.decisions().size() == 1 ? "" : "es", adaptation.loadMs(),
        adaptation.decisions().isEmpty() ? "" : " " + adaptation.switchesByTrigger()));
    for (io.splitstream.pipeline.adapt.Decision d : adaptation.decisions()) {
      b.append("    ").append(d.describe()).append('\n');
    }
    if (!metricsUrl.isEmpty()) {
      b.append("  metrics   ").append(metricsUrl).append('\n');
    }
    return b.toString();
  }

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException("report not serialisable", e);
    }
  }

  public void write(Path file) {
    try {
      OutputFiles.writeString(file, toJson() + "\n");
    } catch (IOException e) {
      throw new SplitstreamException("cannot write report " + file + ": " + OutputFiles.reason(e)
          + "; choose a writable path for --report", e);
    }
  }

  public static RunReport read(Path file) {
    try {
      return MAPPER.readValue(file.toFile(), RunReport.class);
    } catch (IOException e) {
      throw new SplitstreamException("cannot read report " + file + ": " + e.getMessage(), e);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
}
