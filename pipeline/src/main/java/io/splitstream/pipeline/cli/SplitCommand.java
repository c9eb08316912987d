package io.splitstream.pipeline.cli;

import io.splitstream.devices.io.OutputFiles;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.SampleInputs;
import io.splitstream.devices.onnx.SplitCheck;
import io.splitstream.pipeline.InputShapeChoice;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream split}: cut a model into segments and check they equal the whole. */
@Command(
    name = "split",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Cut an ONNX model into segments and check they equal the whole model.",
      "Cuts at the given node boundaries into self-contained segments, writes them with --out, runs them",
      "in order on a sample input and prints the max abs difference to the whole model."
    })
final class SplitCommand implements Callable<Integer> {
  /** The largest difference the check accepts. */
  static final double TOLERANCE = 1e-5;

  @Spec CommandSpec spec;

  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @Option(names = "--model", required = true, description = "catalogue name or .onnx file")
  String model;

  @Option(names = "--cuts", required = true, description = "node boundaries, increasing, e.g. 12,40 (see ./splitstream profile)")
  String cuts;

  @Option(names = "--out", description = "write the segments here as <model>.seg<i>.onnx")
  Path out;

  @picocli.CommandLine.Mixin InputShapeOption inputShape = new InputShapeOption();

  @Option(names = "--seed", defaultValue = "1", description = "seed of the sample input (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    if (cuts.isBlank()) {
      throw new SplitstreamException("--cuts is empty: give at least one node boundary, e.g. --cuts 12,40"
          + " (see ./splitstream profile --model " + model + ")");
    }
    if (out != null) {
      OutputFiles.checkWritableDir(out, "--out");
    }
    Model m = InputShapeChoice.requireShapes(inputShape.open(model));
    if (!(m instanceof OnnxModel onnx)) {
      throw new SplitstreamException("model " + m.path() + " is " + m.format()
          + ": TFLite models run whole, only ONNX models can be cut");
    }
    List<Segment> segments = onnx.cut(cuts);
    var sample = SampleInputs.forModel(onnx, onnx.inputShapes(), seed);
    // crossing bytes at the probed shapes (a segment's own declaration may leave dimensions dynamic)
    java.util.Map<Integer, io.splitstream.devices.onnx.CutPoint> at = new java.util.HashMap<>();
    onnx.cutPoints().forEach(c -> at.put(c.boundary(), c));
    o.printf(Locale.ROOT, "%s: %d nodes cut at %s into %d segments%n", onnx.name(), onnx.nodeCount(), cuts, segments.size());
    for (Segment s : segments) {
      List<TensorSpec> in = s.firstNode() == 0 ? onnx.inputs() : at.get(s.firstNode()).crossing();
      long inBytes = s.firstNode() == 0 ? sample.totalBytes() : at.get(s.firstNode()).bytes();
      o.printf(Locale.ROOT, "  %-28s %4d nodes  %8.2f MFLOPs  in: %s (%d bytes)%n", s.label(), s.endNode() - s.firstNode(),
          s.cost().flops() / 1e6, in.stream().map(t -> t.name() + t.shape()).collect(Collectors.joining(", ")), inBytes);
    }
    if (out != null) {
      write(segments, onnx.name());
    }
    SplitCheck.Report r = SplitCheck.check(onnx, segments, sample);
    o.printf(Locale.ROOT, "equality check on a sample input: max abs difference %.3g (tolerance %.0e) -> %s%n",
        r.maxAbsDiff(), TOLERANCE, r.maxAbsDiff() <= TOLERANCE ? "equal" : "DIFFERENT");
    o.flush();
    return r.maxAbsDiff() <= TOLERANCE ? 0 : Main.EXIT_INTERNAL;
  }

  private void write(List<Segment> segments, String name) {
    PrintWriter o = spec.commandLine().getOut();
    try {
      for (Segment s : segments) {
        Path f = out.resolve(name + ".seg" + s.index() + ".onnx");
        OutputFiles.write(f, s.bytes());
        o.println("  wrote " + f);
      }
    } catch (IOException e) {
      throw new SplitstreamException("cannot write segments to " + out + ": " + OutputFiles.reason(e) + "; choose a writable --out");
    }
  }
}
