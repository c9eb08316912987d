package io.splitstream.devices.emulated;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.processor.ProcessorKind;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A phone SoC (or this host) as the emulator sees it: its processors' effective speeds per op
 * class, their fixed overheads and load times, the ops each lacks, and the links between them,
 * with the published sources every figure was calibrated from. Read from
 * {@code profiles/<id>.json} by {@link SocProfiles}; see docs/profiles.md for the calibration.
 *
 * <p>Immutable values; validated by {@link SocProfiles} when loaded.
 */
public record SocProfile(
    String id,
    String soc,
    String device,
    String description,
    List<Source> sources,
    List<ProcessorProfile> processors,
    List<Link> links) {

  public SocProfile {
    sources = List.copyOf(sources);
    processors = List.copyOf(processors);
    links = List.copyOf(links);
  }

  /** Where figures came from: title, address, and which figure was used for what. */
  public record Source(String title, String url, String figure) {}

  /**
   * Effective FLOP rates in GFLOP/s (10^9 FLOP per second) per op class: a segment's time on the
   * processor is {@code flops(class) / rate(class)} summed over classes, plus overheads.
   */
  public record Gflops(
      double conv,
      @JsonProperty("depthwise_conv") double depthwiseConv,
      double matmul,
      double elementwise,
      double other) {

    public double rate(OpClass c) {
      return switch (c) {
        case CONV -> conv;
        case DEPTHWISE_CONV -> depthwiseConv;
        case MATMUL -> matmul;
        case ELEMENTWISE -> elementwise;
        case OTHER -> other;
      };
    }
  }

  /**
   * How a processor heats under load and throttles (see {@link EmulatedProcessor#clockFactor()}):
   * a heat state in [0, 1] rises toward 1 while busy and decays toward 0 while idle, both with time
   * constant {@code timeConstantSeconds}; the clock is {@code 1 - (1 - sustainedFraction) × heat}
   * of peak.
   *
   * @param sustainedFraction the sustained clock as a fraction of peak, in (0, 1]
   * @param timeConstantSeconds time constant of heating and of cooling, positive
   */
  public record Thermal(double sustainedFraction, double timeConstantSeconds) {}

  /**
   * What a processor's runtime does that op classes alone do not say; fitted for this host by
   * {@code splitstream calibrate} (docs/profiles.md). Applies to costs with per-node work
   * ({@link SegmentCost#nodes()}); the weight cache to every cost.
   *
   * @param opRates GFLOP/s for nodes of these ONNX op types, in place of their class's rate (ONNX
   *     Runtime's Resize, Sigmoid or Transpose take far longer per element than an Add)
   * @param fusesActivations whether a {@link SegmentCost.Node#fusable} node costs nothing, neither work
   *     nor per-node overhead: the runtime computes it inside the convolution before it
   * @param weightCache weights a segment holds beyond what stays in the caches between its runs are
   *     read from memory on every run; empty when not modelled
   */
  public record RuntimeTerms(Map<String, Double> opRates, boolean fusesActivations, Optional<WeightCache> weightCache) {
    public RuntimeTerms {
      opRates = Map.copyOf(opRates);
    }
  }

  /**
   * A segment's weights beyond {@code bytes} cost {@code (paramBytes - bytes) / gbPerSecond} per run.
   *
   * @param bytes weights that stay in the caches between runs of one segment
   * @param gbPerSecond the rate the rest is read at (GB/s, 10^9 bytes per second)
   */
  public record WeightCache(double bytes, double gbPerSecond) {}

  /**
   * One processor of the SoC.
   *
   * @param id {@code cpu}, {@code gpu} or {@code npu}: the processor id on the emulated platform
   * @param name the silicon, e.g. {@code Adreno 640}
   * @param dispatchOverheadMicros fixed cost of one invocation (submission, synchronisation)
   * @param perNodeOverheadMicros cost of each node (kernel launch)
   * @param loadMillis first load (compile) of a segment on this processor
   * @param cachedLoadMillis loading a segment this processor has loaded before (compiled program
   *     or serialised delegate cached)
   * @param unsupportedOps op types it refuses (ONNX names; TFLite names match after
   *     normalisation, see {@link #unsupports(String)})
   * @param thermal how it throttles when hot; empty when the profile gives no thermal entry
   * @param memoryGbPerSecond the memory bandwidth a node's bytes move at (GB/s, 10^9 bytes per
   *     second), bounding each node's time from below (see {@link #serviceNanosAtFullSpeed}); empty
   *     when the profile gives none, and then the cost is arithmetic and overheads only
   * @param runtime what its runtime does beyond the op classes ({@link RuntimeTerms}); empty for the
   *     phone profiles
   */
  public record ProcessorProfile(
      String id,
      ProcessorKind kind,
      String name,
      Gflops gflops,
      double dispatchOverheadMicros,
      double perNodeOverheadMicros,
      double loadMillis,
      double cachedLoadMillis,
      List<String> unsupportedOps,
      String notes,
      Optional<Thermal> thermal,
      OptionalDouble memoryGbPerSecond,
      Optional<RuntimeTerms> runtime) {

    public ProcessorProfile {
      unsupportedOps = List.copyOf(unsupportedOps);
    }

    /** A processor without a memory bandwidth (the cost is arithmetic and overheads only). */
    public ProcessorProfile(String id, ProcessorKind kind, String name, Gflops gflops, double dispatchOverheadMicros,
        double perNodeOverheadMicros, double loadMillis, double cachedLoadMillis, List<String> unsupportedOps,
        String notes, Optional<Thermal> thermal) {
      this(id, kind, name, gflops, dispatchOverheadMicros, perNodeOverheadMicros, loadMillis, cachedLoadMillis,
          unsupportedOps, notes, thermal, OptionalDouble.empty(), Optional.empty());
    }

    /**
     * The profile file's fields, without the optional {@code thermal} and {@code
     * memoryGbPerSecond}: {@link SocProfiles} reads those itself and adds them with {@link
     * #withThermal} and {@link #withMemoryGbPerSecond}.
     */
    @JsonCreator
    public ProcessorProfile(@JsonProperty("id") String id, @JsonProperty("kind") ProcessorKind kind,
        @JsonProperty("name") String name, @JsonProperty("gflops") Gflops gflops,
        @JsonProperty("dispatchOverheadMicros") double dispatchOverheadMicros,
        @JsonProperty("perNodeOverheadMicros") double perNodeOverheadMicros,
        @JsonProperty("loadMillis") double loadMillis, @JsonProperty("cachedLoadMillis") double cachedLoadMillis,
        @JsonProperty("unsupportedOps") List<String> unsupportedOps, @JsonProperty("notes") String notes) {
      this(id, kind, name, gflops, dispatchOverheadMicros, perNodeOverheadMicros, loadMillis, cachedLoadMillis,
          unsupportedOps, notes, Optional.empty());
    }

    /** This processor with {@code thermal} as its thermal model. */
    public ProcessorProfile withThermal(Thermal thermal) {
      return new ProcessorProfile(id, kind, name, gflops, dispatchOverheadMicros, perNodeOverheadMicros, loadMillis,
          cachedLoadMillis, unsupportedOps, notes, Optional.of(thermal), memoryGbPerSecond, runtime);
    }

    /** This processor with {@code gbPerSecond} as its memory bandwidth. */
    public ProcessorProfile withMemoryGbPerSecond(double gbPerSecond) {
      return new ProcessorProfile(id, kind, name, gflops, dispatchOverheadMicros, perNodeOverheadMicros, loadMillis,
          cachedLoadMillis, unsupportedOps, notes, thermal, OptionalDouble.of(gbPerSecond), runtime);
    }

    /** This processor with {@code terms} as what its runtime does beyond the op classes. */
    public ProcessorProfile withRuntime(RuntimeTerms terms) {
      return new ProcessorProfile(id, kind, name, gflops, dispatchOverheadMicros, perNodeOverheadMicros, loadMillis,
          cachedLoadMillis, unsupportedOps, notes, thermal, memoryGbPerSecond, Optional.of(terms));
    }

    /**
     * Nanoseconds this processor is busy with a segment of cost {@code cost} at full speed:
     * dispatch overhead + nodes × per-node overhead, plus the nodes' work. Without per-node work
     * ({@link SegmentCost#nodes()} empty), or with neither a memory bandwidth nor {@link #runtime}
     * terms, the work is Σ flops(class) / rate(class). Otherwise each node is costed on its own: its
     * rate is its op type's in {@link RuntimeTerms#opRates} or else its class's; a fusable node costs
     * nothing when the runtime fuses activations; and with a memory bandwidth a node costs the larger
     * of its arithmetic and its traffic (a roofline): max(flops / rate, bytes / memoryGbPerSecond).
     * A {@link WeightCache} adds the weights beyond it at its rate, per run.
     */
    public double serviceNanosAtFullSpeed(SegmentCost cost) {
      double nanos = dispatchOverheadMicros * 1e3;
      if ((memoryGbPerSecond.isPresent() || runtime.isPresent()) && !cost.nodes().isEmpty()) {
        double bw = memoryGbPerSecond.orElse(Double.POSITIVE_INFINITY);
        Map<String, Double> opRates = runtime.map(RuntimeTerms::opRates).orElse(Map.of());
        boolean fuses = runtime.map(RuntimeTerms::fusesActivations).orElse(false);
        for (SegmentCost.Node n : cost.nodes()) {
          if (fuses && n.fusable()) {
            continue;
          }
          double rate = opRates.getOrDefault(n.opType(), gflops.rate(n.opClass()));
          // FLOP / (GFLOP/s) = ns; bytes / (GB/s) = ns
          nanos += perNodeOverheadMicros * 1e3 + Math.max(n.flops() > 0 ? n.flops() / rate : 0, n.bytes() / bw);
        }
      } else {
        nanos += cost.nodeCount() * perNodeOverheadMicros * 1e3;
        for (OpClass c : OpClass.values()) {
          double f = cost.flops(c);
          if (f > 0) {
            nanos += f / gflops.rate(c); // FLOP / (GFLOP/s) = ns
          }
        }
      }
      Optional<WeightCache> wc = runtime.flatMap(RuntimeTerms::weightCache);
      if (wc.isPresent() && cost.paramBytes() > wc.get().bytes()) {
        nanos += (cost.paramBytes() - wc.get().bytes()) / wc.get().gbPerSecond();
      }
      return nanos;
    }

    /**
     * Whether {@code opType} is in {@link #unsupportedOps}, comparing normalised names: lower
     * case, domain prefix, non-alphanumerics and a trailing version ({@code _V2}) dropped, so that
     * TFLite's {@code ARG_MAX} or {@code TOPK_V2} match ONNX's {@code ArgMax} or {@code TopK}.
     */
    public boolean unsupports(String opType) {
      String n = normalise(opType);
      return unsupportedOps.stream().anyMatch(u -> normalise(u).equals(n));
    }

    static String normalise(String op) {
      String s = op.substring(op.lastIndexOf(':') + 1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
      return s.replaceAll("v\\d+$", "");
    }
  }

  /**
   * A link between two processors; it carries both directions unless the profile also has the
   * reverse link. Moving {@code b} bytes costs {@code latencyMicros + b / gbPerSecond}.
   */
  public record Link(String from, String to, double latencyMicros, double gbPerSecond) {
    public long transferNanos(long bytes) {
      return Math.round(latencyMicros * 1e3 + bytes / gbPerSecond);
    }
  }

  public Optional<ProcessorProfile> processor(String processorId) {
    return processors.stream().filter(p -> p.id().equals(processorId)).findFirst();
  }

  public Set<String> processorIds() {
    return processors.stream().map(ProcessorProfile::id).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
  }

  /** The link between {@code a} and {@code b} (either direction; an exact-direction one wins). */
  public Optional<Link> link(String a, String b) {
    Optional<Link> exact = links.stream().filter(l -> l.from().equals(a) && l.to().equals(b)).findFirst();
    return exact.isPresent() ? exact
        : links.stream().filter(l -> l.from().equals(b) && l.to().equals(a)).findFirst();
  }
}
