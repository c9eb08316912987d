package io.splitstream.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Platform;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.profile.Profiler;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code profile} and {@code plan} print the invocation cost, so block times add up to the prediction. */
class InvocationCostOutputTest {
  @Test
  void profileAndPlanPrintTheInvocationCostAndTheBlocksAddUpToEachStage() {
    OnnxModel model = OnnxModel.parse("mobilenet-small",
        OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall()).toByteArray());
    try (Platform p = Platforms.emulated("sd855-pixel4", 1, false)) {
      ProfileTable t = Profiler.profile(model, p, new Profiler.Options(8, 0, 1, 1));
      String profile = ProfileCommand.render(t, p);
      for (ProfileTable.ProcessorInfo info : t.processors()) {
        assertThat(info.invocationMs()).isPositive();
        assertThat(profile).contains(String.format(java.util.Locale.ROOT, "%s* %.3f ms", info.id(), info.invocationMs()));
      }
      Plan plan = Planner.plan(t, Optional.empty());
      String breakdown = PlanCommand.computeBreakdown(plan, t);
      Matcher m = Pattern.compile("stage (\\d+) (\\w+) ([0-9.]+) \\+ ([0-9.]+)").matcher(breakdown);
      int rows = 0;
      while (m.find()) {
        Plan.Stage s = plan.stages().get(Integer.parseInt(m.group(1)));
        Plan.Replica r = s.replicas().stream().filter(x -> x.processor().equals(m.group(2))).findFirst().orElseThrow();
        assertThat(Double.parseDouble(m.group(3)) + Double.parseDouble(m.group(4)))
            .as(breakdown).isCloseTo(r.computeMs(), within(0.002));
        rows++;
      }
      assertThat(rows).isEqualTo(plan.stages().stream().mapToInt(s -> s.replicas().size()).sum());
    }
  }
}
