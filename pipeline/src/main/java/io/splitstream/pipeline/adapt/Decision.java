package io.splitstream.pipeline.adapt;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One decision of the controller, as it is logged ({@code --decisions FILE}, one JSON object per
 * line), reported and printed: when, why (the trigger and the evidence: the processor and the
 * speed the controller estimated for each processor from measured service times), the plans
 * before and after, what the switch was predicted to gain and what it cost to load, and, once
 * measured, the gain seen afterwards.
 *
 * @param atSeconds when the controller decided, seconds since the run started (pipeline clock)
 * @param trigger what set it off: {@code processor-slowed}, {@code processor-recovered}, {@code
 *     processor-lost}, {@code processor-returned}, {@code load-rose}, {@code load-fell}, or {@code
 *     oracle} for the hindsight baseline
 * @param processor the processor whose change triggered it, empty for a load change
 * @param estimatedSpeed the controller's speed estimate per processor (measured over predicted
 *     rate; 1 = as profiled, 0 = offline) when it decided
 * @param objective {@code throughput} (near saturation) or {@code latency} (with headroom)
 * @param predictedGain relative gain the new plan was predicted to bring in the objective; 0 when
 *     the old plan could not run at all ({@code predictedOldFps} 0, e.g. its processor was lost)
 * @param loadMs what loading the new plan's segments cost, charged before it took effect
 * @param activatedAtSeconds when the new plan took effect
 * @param measured whether the figures after the switch have been measured yet
 * @param measuredBeforeFps completed frames/s of the old plan after the change: while the new plan
 *     loaded, when that took at least three ticks, else over the last tick and a half before the decision
 * @param measuredAfterFps completed frames/s in the window after the switch took effect
 */
@JsonPropertyOrder({"atSeconds", "trigger", "processor", "estimatedSpeed", "objective", "oldPlan", "newPlan",
    "newEpoch", "predictedOldFps", "predictedNewFps", "predictedGain", "loadMs", "activatedAtSeconds", "measured",
    "measuredBeforeFps", "measuredAfterFps", "measuredGain"})
public record Decision(
    double atSeconds,
    String trigger,
    String processor,
    Map<String, Double> estimatedSpeed,
    String objective,
    String oldPlan,
    String newPlan,
    long newEpoch,
    double predictedOldFps,
    double predictedNewFps,
    double predictedGain,
    double loadMs,
    double activatedAtSeconds,
    boolean measured,
    double measuredBeforeFps,
    double measuredAfterFps) {

  public Decision {
    estimatedSpeed = new TreeMap<>(estimatedSpeed);
  }

  /** Measured gain: after over before, minus one; 0 until measured. */
  public double measuredGain() {
    return measured && measuredBeforeFps > 0 ? measuredAfterFps / measuredBeforeFps - 1 : 0;
  }

  /** This decision with the switch's activation time. */
  public Decision activated(long epoch, double atSeconds, double loadMs) {
    return new Decision(this.atSeconds, trigger, processor, estimatedSpeed, objective, oldPlan, newPlan, epoch,
        predictedOldFps, predictedNewFps, predictedGain, loadMs, atSeconds, measured, measuredBeforeFps,
        measuredAfterFps);
  }

  /** This decision with the old plan's throughput measured after the change. */
  public Decision measuredBefore(double beforeFps) {
    return new Decision(atSeconds, trigger, processor, estimatedSpeed, objective, oldPlan, newPlan, newEpoch,
        predictedOldFps, predictedNewFps, predictedGain, loadMs, activatedAtSeconds, measured, beforeFps,
        measuredAfterFps);
  }

  /** This decision with the throughput measured after it. */
  public Decision measuredAfter(double afterFps) {
    return new Decision(atSeconds, trigger, processor, estimatedSpeed, objective, oldPlan, newPlan, newEpoch,
        predictedOldFps, predictedNewFps, predictedGain, loadMs, activatedAtSeconds, true, measuredBeforeFps, afterFps);
  }

  /** One line for people, e.g. for the progress line and the summary. */
  public String describe() {
    String why = trigger + (processor.isEmpty() ? "" : " " + processor
        + String.format(Locale.ROOT, " (est. speed %.2f)", estimatedSpeed.getOrDefault(processor, 1.0)));
    String measuredPart = measured
        ? String.format(Locale.ROOT, "; measured %.1f -> %.1f fps (%+.0f%%)", measuredBeforeFps, measuredAfterFps,
            100 * measuredGain())
        : "";
    String predicted = predictedOldFps <= 0 ? "the old plan cannot run"
        : String.format(Locale.ROOT, "predicted %+.0f%%", 100 * predictedGain);
    return String.format(Locale.ROOT, "t=%.2fs %s: %s -> %s (%s, %s, load %.0f ms, live at t=%.2fs)%s",
        atSeconds, why, oldPlan, newPlan, objective, predicted, loadMs, activatedAtSeconds, measuredPart);
  }
}
