package io.splitstream.pipeline.cli;

import io.splitstream.devices.emulated.SocProfile;
import io.splitstream.devices.emulated.SocProfiles;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.onnx.StaticCost;
import io.splitstream.devices.onnx.gen.Architectures;
import io.splitstream.pipeline.calibrate.HostFit;
import io.splitstream.pipeline.calibrate.PublishedFigures;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream validate}: each shipped phone profile against every published latency of its
 * device, on generated architectures at the published layer shapes, fitted and held-out figures
 * marked.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Phone profiles against every published figure of their device, fitted and held out.",
      "Print published vs emulated latency for every figure the fact sheet has for each shipped profile,",
      "on generated MobileNetV1, MobileNetV2, SqueezeNet, ResNet50 and Inception-V4 (published layer shapes,",
      "timing only), marking the figures each profile was fitted to; median and worst error on the held-out ones."
    })
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    w.print(render());
    w.flush();
    return 0;
  }

  /** The emulated whole-model time of every figure with a generated architecture, in ms (NaN otherwise). */
  static double emulatedMs(PublishedFigures.Figure f, Map<String, SegmentCost> costs) {
    if (!Architectures.NAMES.contains(f.model())) {
      return Double.NaN;
    }
    SegmentCost c = costs.computeIfAbsent(f.model(), m -> StaticCost.of(Architectures.build(m, false, 1), true));
    SocProfile.ProcessorProfile p = SocProfiles.load(f.profile()).processor(f.processor()).orElseThrow();
    return p.serviceNanosAtFullSpeed(c) / 1e6;
  }

  static String render() {
    Map<String, SegmentCost> costs = new HashMap<>();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-16s %-4s %-20s %-7s %12s %12s %8s  %s%n", "profile", "proc", "model", "use",
        "published ms", "emulated* ms", "error", "source"));
    for (String profile : SocProfiles.list()) {
      List<PublishedFigures.Figure> figs = PublishedFigures.ALL.stream().filter(f -> f.profile().equals(profile)).toList();
      if (figs.isEmpty()) {
        b.append(String.format(Locale.ROOT, "%-16s no published figure in the fact sheet (see calibrate --check)%n",
            profile));
        continue;
      }
      List<Double> held = new java.util.ArrayList<>();
      for (PublishedFigures.Figure f : figs) {
        double e = emulatedMs(f, costs);
        double err = e / f.ms() - 1;
        if (!f.fitted() && !Double.isNaN(e)) {
          held.add(Math.abs(err));
        }
        b.append(String.format(Locale.ROOT, "%-16s %-4s %-20s %-7s %12.2f %12s %8s  %s%n", profile, f.processor(),
            f.model(), f.fitted() ? "fitted" : "held", f.ms(), Double.isNaN(e) ? "-" : String.format(Locale.ROOT, "%.2f", e),
            Double.isNaN(e) ? "no model" : String.format(Locale.ROOT, "%+.1f%%", 100 * err), f.source()));
      }
      double[] h = held.stream().mapToDouble(Double::doubleValue).toArray();
      b.append(String.format(Locale.ROOT, "%-16s held-out: %d figures, median error %.1f%%, worst %.1f%% (goal: median <= 25%%)%n",
          profile, h.length, 100 * HostFit.median(h), 100 * java.util.Arrays.stream(h).max().orElse(Double.NaN)));
    }
    b.append("* emulated: the profile's whole-model service time, not a hardware measurement\n");
    return b.toString();
  }
}
