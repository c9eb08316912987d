package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.pipeline.Runner;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The pipeline a pushed-frames command builds ({@code loadgen --scenario}, {@code serve}, {@code bench serve}). */
final class PipelineOptions {
  @Option(names = "--model", defaultValue = "blazeface", description = "catalogue name or .onnx/.tflite file (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--input-shape", converter = Converters.ShapesConverter.class, description = "shapes for dynamic inputs, e.g. x=1,3,320,320")
  InputShapes inputShape;

  @picocli.CommandLine.Mixin PlatformOptions platform = new PlatformOptions();

  @Option(names = "--capacity", defaultValue = "32", description = "admission buffer in frames (default: ${DEFAULT-VALUE})")
  int capacity;

  @Option(names = "--max-blocks", defaultValue = "24", description = "profile at most this many blocks (default: ${DEFAULT-VALUE})")
  int maxBlocks;

  /**
   * Options for a pipeline of pushed frames with plan {@code split}: policy {@code block}, no
   * metrics server, no progress line, no budget.
   */
  Runner.Options options(String split, boolean simulate, boolean computeOutputs, long seed) {
    Optional<String> soc = platform.socOrDefault("sd855-pixel4");
    if (simulate && soc.isEmpty()) {
      throw new SplitstreamException("--simulate needs an emulated SoC (--soc): real processors run only in real time");
    }
    return new Runner.Options(model, inputShape == null ? InputShapes.none() : inputShape, "pushed frames", soc,
        platform.processors == null ? List.of() : platform.processors, split, Optional.of("block"), Optional.empty(),
        Optional.empty(), -1, simulate, computeOutputs, false, Optional.empty(), platform.threads, maxBlocks, capacity, seed);
  }
}
