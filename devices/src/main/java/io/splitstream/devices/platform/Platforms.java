package io.splitstream.devices.platform;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.emulated.EmulatedInterconnect;
import io.splitstream.devices.emulated.EmulatedProcessor;
import io.splitstream.devices.emulated.SocProfile;
import io.splitstream.devices.emulated.SocProfiles;
import io.splitstream.devices.ort.ExecutionProvider;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import io.splitstream.devices.processor.Interconnect;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.tflite.TfliteProcessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The two ways to get a {@link Platform}: an emulated SoC from a profile, or this host's real
 * processors from short specs. Stateless and thread-safe; each call builds new processors.
 */
public final class Platforms {
  private Platforms() {}

  /**
   * Every processor of SoC profile {@code socProfileId} (a shipped id or a {@code .json} file),
   * emulated, with the profile's links as interconnect. The platform's name is the profile id and
   * its description names SoC and device and says "emulated".
   *
   * @param hostThreads threads the host uses per loaded segment to compute real outputs
   * @param computeOutputs false to skip host compute (zero outputs; timing only)
   * @throws SplitstreamException for an unknown profile, listing the valid ids
   */
  public static Platform emulated(String socProfileId, int hostThreads, boolean computeOutputs) {
    SocProfile soc = SocProfiles.resolve(socProfileId);
    List<Processor> processors = new ArrayList<>();
    for (SocProfile.ProcessorProfile p : soc.processors()) {
      processors.add(new EmulatedProcessor(soc, p.id(), hostThreads, computeOutputs));
    }
    String description = "emulated " + soc.soc() + " (" + soc.device() + "): "
        + soc.processors().stream().map(p -> p.id() + " = " + p.name()).collect(Collectors.joining(", "))
        + (computeOutputs ? "; outputs computed on the host" : "; outputs not computed");
    return new Platform(soc.id(), description, processors, new EmulatedInterconnect(soc), true);
  }

  /** The spec names {@link #host} accepts. */
  public static List<String> hostSpecNames() {
    List<String> names = new ArrayList<>(List.of("cpu", "cpu:<threads>", "tflite", "tflite:<threads>"));
    Arrays.stream(ExecutionProvider.values())
        .filter(p -> p != ExecutionProvider.CPU)
        .forEach(p -> names.add(p.cliName()));
    return names;
  }

  /**
   * Refuses a second processor on the host CPU for the same model format as an earlier one:
   * {@code cpuFormats} maps each format to the spec of the host-CPU processor that runs it.
   */
  private static void refuseSharedHostCpu(String name, String spec, java.util.Map<String, String> cpuFormats) {
    String format;
    if (name.equals("tflite")) {
      format = "TFLite";
    } else if (name.equals("cpu")) {
      format = "ONNX";
    } else {
      ExecutionProvider ep;
      try {
        ep = ExecutionProvider.byName(name);
      } catch (SplitstreamException e) {
        return; // an unknown spec: refused with the valid names where the processor is made
      }
      if (ep != ExecutionProvider.CPU && ep != ExecutionProvider.DNNL && ep != ExecutionProvider.XNNPACK
          && ep != ExecutionProvider.OPENVINO) {
        return;
      }
      format = "ONNX";
    }
    String earlier = cpuFormats.putIfAbsent(format, spec);
    if (earlier != null) {
      throw new SplitstreamException("processors '" + earlier + "' and '" + spec + "' both compute on this host's CPU ("
          + Runtime.getRuntime().availableProcessors() + " cores) and both run " + format
          + " models, so a plan would count them as two processors working in parallel: give one of them"
          + " (e.g. cpu:<threads> for more threads)");
    }
  }

  /**
   * Real processors on this host, one per spec: {@code cpu} or {@code cpu:<threads>} (ONNX
   * Runtime CPU), {@code tflite} or {@code tflite:<threads>} (TFLite interpreter, XNNPACK), or an
   * execution provider name ({@code cuda}, {@code tensorrt}, {@code openvino}, {@code dnnl},
   * {@code rocm}, {@code directml}, {@code coreml}, {@code nnapi}, {@code qnn}, {@code xnnpack};
   * each {@code :<threads>} too). Processor ids are the spec names ({@code cpu}, {@code tflite},
   * {@code cuda}…), suffixed {@code -2}, {@code -3} when a name repeats. Providers never fall back
   * to the CPU silently. The interconnect is {@link Interconnect#SHARED_MEMORY} when every
   * processor is a CPU; with a device provider, transfers are not modelled yet and also report 0
   * (the description says so).
   *
   * <p><b>Shared hardware.</b> Processors that compute on the host CPU ({@code cpu}, {@code tflite},
   * and the {@code dnnl}, {@code xnnpack} and {@code openvino} providers) share its cores, so two of
   * them that run the same model format (which one plan could put on two stages, planned as if
   * they worked in parallel) are refused: give one, with more threads if wanted. {@code cpu} with
   * {@code tflite} is allowed: no model runs on both (ONNX on one, TFLite on the other), so no plan
   * uses both.
   *
   * @param threads default threads per processor where a spec gives none
   * @throws SplitstreamException for an unknown spec (listing the valid ones), an empty list, or
   *     two host-CPU processors for the same model format
   * @throws io.splitstream.devices.ort.ProviderUnavailableException when a provider is missing
   */
  public static Platform host(List<String> processorSpecs, int threads) {
    if (processorSpecs.isEmpty()) {
      throw new SplitstreamException("no processors given for the host platform: name at least one of "
          + String.join(", ", hostSpecNames()));
    }
    List<Processor> processors = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    java.util.Map<String, String> hostCpuByFormat = new java.util.HashMap<>();
    boolean allCpu = true;
    for (String spec : processorSpecs) {
      String s = spec.strip().toLowerCase(Locale.ROOT);
      String name = s;
      int t = threads;
      int colon = s.indexOf(':');
      if (colon >= 0) {
        name = s.substring(0, colon);
        try {
          t = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
          throw new SplitstreamException("processor spec '" + spec + "': threads after ':' must be a whole number, e.g. "
              + name + ":2");
        }
        HostThreads.check(t, "processor spec '" + spec + "'");
      } else {
        HostThreads.check(t, "--threads " + t);
      }
      String id = name;
      for (int n = 2; !ids.add(id); n++) {
        id = name + "-" + n;
      }
      refuseSharedHostCpu(name, spec, hostCpuByFormat);
      Processor p;
      if (name.equals("cpu")) {
        p = OnnxRuntimeProcessor.cpu(id, t);
      } else if (name.equals("tflite")) {
        p = TfliteProcessor.cpu(id, t);
      } else {
        ExecutionProvider ep;
        try {
          ep = ExecutionProvider.byName(name);
        } catch (SplitstreamException e) {
          throw new SplitstreamException("unknown processor spec '" + spec + "': use one of "
              + String.join(", ", hostSpecNames()));
        }
        ProcessorKind kind = switch (ep) {
          case CPU, DNNL, XNNPACK -> ProcessorKind.CPU;
          case OPENVINO -> ProcessorKind.CPU;
          case NNAPI, QNN, COREML -> ProcessorKind.NPU;
          default -> ProcessorKind.GPU;
        };
        p = OnnxRuntimeProcessor.withProvider(id, kind, ep.cliName(), t, false);
      }
      allCpu &= p.kind() == ProcessorKind.CPU;
      processors.add(p);
    }
    String description = "this host: " + processors.stream().map(Processor::description).collect(Collectors.joining("; "))
        + (allCpu ? "" : "; transfers to and from devices are not measured (reported as 0)");
    return new Platform("host", description, processors, Interconnect.SHARED_MEMORY, false);
  }
}
