package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Platform;
import java.util.List;
import picocli.CommandLine.Option;

/** Where to run: an emulated SoC, or real processors on this host. */
final class PlatformOptions {
  @Option(names = "--soc", description = "emulated SoC profile id or .json file (see ./splitstream models socs)")
  String soc;

  @Option(names = "--processors", split = ",",
      description = "real processors on this host: cpu[:threads], tflite[:threads], cuda, tensorrt, openvino, qnn, nnapi, coreml, ...")
  List<String> processors;

  @Option(names = "--threads", defaultValue = "2", converter = Converters.Threads.class, description = "threads per real processor (default: ${DEFAULT-VALUE})")
  int threads;

  /** The SoC to emulate: the one given, {@code fallback} when no real processors are given, else none. */
  java.util.Optional<String> socOrDefault(String fallback) {
    checkExclusive();
    return java.util.Optional.ofNullable(soc).or(() -> processors == null ? java.util.Optional.of(fallback)
        : java.util.Optional.empty());
  }

  private void checkExclusive() {
    if (soc != null && processors != null) {
      throw new SplitstreamException("give either --soc (emulated) or --processors (real), not both");
    }
  }

  /** The platform these options name; {@code defaultProcessors} when neither option is given. */
  Platform open(List<String> defaultProcessors) {
    checkExclusive();
    if (soc != null) {
      return Platforms.emulated(soc, 1, true);
    }
    return Platforms.host(processors != null ? processors : defaultProcessors, threads);
  }
}
