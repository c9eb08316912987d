package io.splitstream.devices.emulated;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.ort.OrtSegmentSession;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.OpenSegments;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.processor.ProcessorOfflineException;
import io.splitstream.devices.processor.RunGuard;
import io.splitstream.devices.processor.UnsupportedOpException;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.devices.tflite.TfliteSegmentSession;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A CPU, GPU or NPU of a published SoC profile. It computes real outputs on this host (ONNX
 * Runtime's CPU provider for ONNX segments, the TFLite interpreter for TFLite ones) and reports
 * the time the SoC's processor would take, from its {@link SocProfile.ProcessorProfile}:
 *
 * <pre>serviceNanos = (dispatch + nodes × perNode + Σ flops(class) / gflops(class)) / (speedFactor × clockFactor)</pre>
 *
 * <p>where {@code speedFactor} is {@link Availability#speedFactor()} (share × throttle) at the time
 * of the run and {@code clockFactor} the thermal model's {@link #clockFactor()} at its start (1
 * when the profile gives the processor no {@code thermal} entry or {@link #setThermal} has not
 * turned it on: it is off until then, since heat needs the pipeline's clock). Each run's service interval, from its start on the processor's clock ({@link #useClock}),
 * heats the model; time between runs cools it. With {@link #setNoise} each run's service time is
 * then multiplied by a seeded uniform factor in {@code [1 - fraction, 1 + fraction]};
 * {@link LoadedSegment#expectedServiceTime()} and {@link #serviceTime} stay noiseless. A run that
 * fails (bad inputs) neither heats the model nor draws noise.
 *
 * <p>{@link Execution#hostNanos()} is what the host really spent; {@code emulated} is always true.
 * An offline processor refuses {@link #load} and {@link LoadedSegment#run} with
 * {@link ProcessorOfflineException}. A segment holding one of the profile's unsupported ops is
 * refused with {@link UnsupportedOpException}, as is one the host runtime cannot compute.
 *
 * <p>Load time is the profile's {@code loadMillis} the first time this processor loads a given
 * segment (same label and bytes), and {@code cachedLoadMillis} on every later load of it, as a
 * GPU delegate's serialised program or an NPU's compiled graph would be reused.
 *
 * <p>With {@code computeOutputs=false} nothing is computed: runs return zero tensors of the
 * segment's declared output shapes, for long simulations where only timing matters (a segment
 * whose output shapes are dynamic is computed once per input shape to learn them).
 *
 * <p>Threads: thread-safe. A loaded segment may be run from several threads (a TFLite host
 * interpreter serialises them) and closed from any thread at any time: close waits for the runs
 * in flight, frees the host compute once however many threads close, and a run that starts after
 * it throws {@link IllegalStateException}. Closing the processor closes the segments still loaded
 * on it.
 */
public final class EmulatedProcessor implements Processor {
  private final SocProfile soc;
  private final SocProfile.ProcessorProfile profile;
  private final int hostThreads;
  private final boolean computeOutputs;
  private final Availability availability = new Availability();
  private final OpenSegments open = new OpenSegments();
  private final Set<String> loadedBefore = ConcurrentHashMap.newKeySet();
  /** Guards {@link #noise} and {@link #noiseRandom}: draws from several runs are serialised. */
  private final Object noiseLock = new Object();
  private double noise;
  private SplittableRandom noiseRandom;
  private final Optional<HeatModel> heat;
  private volatile boolean thermalOn;
  private volatile LongSupplier clock = System::nanoTime;

  /**
   * @param soc the SoC profile
   * @param processorId which of its processors ({@code cpu}, {@code gpu}, {@code npu})
   * @param hostThreads threads the host runtime uses to compute outputs
   * @param computeOutputs false to skip host compute and return zero tensors
   * @throws SplitstreamException when the profile has no such processor, listing those it has
   */
  public EmulatedProcessor(SocProfile soc, String processorId, int hostThreads, boolean computeOutputs) {
    this.soc = soc;
    this.profile = soc.processor(processorId).orElseThrow(() -> new SplitstreamException("SoC profile " + soc.id()
        + " has no processor '" + processorId + "': it has " + String.join(", ", soc.processorIds())));
    if (hostThreads < 1) {
      throw new SplitstreamException("emulated processor '" + processorId + "': hostThreads must be at least 1, got "
          + hostThreads);
    }
    this.hostThreads = hostThreads;
    this.computeOutputs = computeOutputs;
    this.heat = profile.thermal().map(HeatModel::new);
    // off until asked for: heat needs the pipeline's clock, and the wall clock is wrong in a simulation
    this.thermalOn = false;
  }

  public SocProfile soc() {
    return soc;
  }

  public SocProfile.ProcessorProfile profile() {
    return profile;
  }

  public boolean computesOutputs() {
    return computeOutputs;
  }

  @Override
  public String id() {
    return profile.id();
  }

  @Override
  public ProcessorKind kind() {
    return profile.kind();
  }

  @Override
  public boolean emulated() {
    return true;
  }

  @Override
  public String description() {
    return "emulated " + profile.name() + " " + profile.kind() + " of " + soc.soc() + " (" + soc.device() + ", profile "
        + soc.id() + "); " + (computeOutputs ? "outputs computed on the host" : "outputs not computed (zeros)");
  }

  @Override
  public Set<ModelFormat> formats() {
    return Set.of(ModelFormat.ONNX, ModelFormat.TFLITE);
  }

  @Override
  public boolean supports(String opType) {
    return !profile.unsupports(opType);
  }

  @Override
  public Availability availability() {
    return availability;
  }

  /**
   * Noiseless service time of {@code segment} at the current availability and clock factor,
   * without running it.
   */
  public Duration serviceTime(Segment segment) {
    return Duration.ofNanos(serviceNanos(segment));
  }

  /** Noiseless, at the current availability and clock factor. */
  private long serviceNanos(Segment segment) {
    return serviceNanos(segment, 1, clockFactor());
  }

  private long serviceNanos(Segment segment, double noiseFactor, double clockFactor) {
    return Math.max(1, Math.round(profile.serviceNanosAtFullSpeed(segment.cost())
        / (availability.speedFactor() * clockFactor) * noiseFactor));
  }

  /** Service time of a run that started at {@code start}; its heat is accounted when thermal is on. */
  private long runServiceNanos(Segment segment, long start) {
    double noiseFactor = drawNoiseFactor();
    if (heat.isPresent() && thermalOn) {
      return heat.get().run(start, clockFactor -> serviceNanos(segment, noiseFactor, clockFactor));
    }
    return serviceNanos(segment, noiseFactor, 1);
  }

  /**
   * The clock this processor's thermal model reads, in nanoseconds: the pipeline passes its
   * scheduler's now (virtual time in a simulation). Default {@link System#nanoTime}.
   */
  public void useClock(LongSupplier nanos) {
    clock = java.util.Objects.requireNonNull(nanos, "nanos");
  }

  /**
   * Turns the thermal model on or off; off by default (give the pipeline's clock with {@link
   * #useClock} first: the wall clock is wrong in a simulation). Off, the clock factor is 1 and runs do not heat the model; on again, the
   * time since the last run counts as idle.
   *
   * @throws SplitstreamException when turning it on for a processor whose profile has no entry
   */
  public void setThermal(boolean on) {
    if (on && heat.isEmpty()) {
      throw new SplitstreamException("processor '" + id() + "' of SoC profile " + soc.id() + " has no thermal entry:"
          + " add \"thermal\": {\"sustainedFraction\": …, \"timeConstantSeconds\": …} to it in the profile");
    }
    thermalOn = on;
  }

  /**
   * The thermal model's clock factor now, as a fraction of peak clock: from 1 (cold) down toward
   * the profile's {@code sustainedFraction} under sustained load; always 1 when thermal is off.
   */
  public double clockFactor() {
    return heat.isPresent() && thermalOn ? heat.get().clockFactorAt(clock.getAsLong()) : 1;
  }

  /**
   * From now on each run's service time is multiplied by a factor drawn uniformly from
   * {@code [1 - fraction, 1 + fraction]} by a {@link SplittableRandom} seeded with {@code seed}
   * (draws are serialised, so one seed gives one sequence of factors in run order). Zero turns
   * noise off. The expected service time stays the noiseless figure.
   *
   * @throws IllegalArgumentException when {@code fraction} is not in [0, 0.5]
   */
  public void setNoise(double fraction, long seed) {
    if (!(fraction >= 0 && fraction <= 0.5)) {
      throw new IllegalArgumentException("noise fraction of processor '" + id() + "' must be in [0, 0.5], got "
          + fraction);
    }
    synchronized (noiseLock) {
      noise = fraction;
      noiseRandom = new SplittableRandom(seed);
    }
  }

  /** The noise fraction set by {@link #setNoise}; 0 when off. */
  public double noise() {
    synchronized (noiseLock) {
      return noise;
    }
  }

  private double drawNoiseFactor() {
    synchronized (noiseLock) {
      return noise == 0 ? 1 : 1 - noise + 2 * noise * noiseRandom.nextDouble();
    }
  }

  @Override
  public LoadedSegment load(Segment segment) {
    OpenSegments.checkLoadable(this, segment);
    HostCompute host = computeOutputs ? openHost(segment) : zeros(segment);
    String key = segment.label() + "#" + segment.byteSize() + "#" + Arrays.hashCode(segment.bytes());
    double millis = loadedBefore.add(key) ? profile.loadMillis() : profile.cachedLoadMillis();
    Loaded loaded = new Loaded(segment, host, Duration.ofNanos(Math.round(millis * 1e6)));
    open.add(loaded);
    return loaded;
  }

  private HostCompute openHost(Segment segment) {
    if (segment.format() == ModelFormat.TFLITE) {
      TfliteSegmentSession s = TfliteSegmentSession.open(segment, hostThreads, id());
      return new HostCompute(s::run, s::close);
    }
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(hostThreads);
      o.setInterOpNumThreads(1);
      // several emulated processors share the host's cores: idle thread pools must not spin on them
      o.addConfigEntry("session.intra_op.allow_spinning", "0");
      o.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      OrtSegmentSession s = OrtSegmentSession.open(segment, o, id());
      return new HostCompute(s::run, s::close);
    } catch (OrtException e) {
      throw new SplitstreamException("could not set up host compute for segment " + segment.label() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Zero outputs without computing. Output shapes come from the segment when they are static;
   * otherwise the segment is computed once per distinct input shape (a session opened on first
   * need) to learn them. The zero tensors are immutable, so each shape's are made once and reused.
   */
  private HostCompute zeros(Segment segment) {
    List<TensorSpec> ins = segment.inputs();
    List<TensorSpec> outs = segment.outputs();
    boolean allStatic = outs.stream().allMatch(TensorSpec::isStatic);
    Map<String, TensorMap> byInputShape = new java.util.concurrent.ConcurrentHashMap<>();
    HostCompute[] real = new HostCompute[1];
    return new HostCompute(in -> {
      io.splitstream.devices.processor.SegmentInputs.checkNames(segment.label(), ins, in);
      String key = allStatic ? "" : in.asMap().entrySet().stream()
          .map(e -> e.getKey() + Arrays.toString(e.getValue().shape()))
          .collect(java.util.stream.Collectors.joining(";"));
      TensorMap cached = byInputShape.get(key);
      if (cached != null) {
        return cached;
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      if (allStatic) {
        for (TensorSpec s : outs) {
          out.put(s.name(), Tensor.zeros(s.type(), s.shapeArray()));
        }
      } else {
        TensorMap computed;
        synchronized (real) {
          if (real[0] == null) {
            real[0] = openHost(segment);
          }
          computed = real[0].run().apply(in);
        }
        computed.asMap().forEach((name, t) -> out.put(name, Tensor.zeros(t.type(), t.shape())));
      }
      TensorMap zeros = TensorMap.of(out);
      byInputShape.put(key, zeros);
      return zeros;
    }, () -> {
      synchronized (real) {
        if (real[0] != null) {
          real[0].close().run();
        }
      }
    });
  }


  @Override
  public void close() {
    open.closeAll();
  }

  @Override
  public String toString() {
    return id() + " (" + description() + ")";
  }

  private record HostCompute(java.util.function.Function<TensorMap, TensorMap> run, Runnable close) {}

  private final class Loaded implements LoadedSegment {
    private final Segment segment;
    private final HostCompute host;
    private final Duration loadTime;
    private final RunGuard guard;

    Loaded(Segment segment, HostCompute host, Duration loadTime) {
      this.segment = segment;
      this.host = host;
      this.loadTime = loadTime;
      this.guard = new RunGuard("segment " + segment.label() + " on '" + id() + "'");
    }

    @Override
    public Segment segment() {
      return segment;
    }

    @Override
    public Processor processor() {
      return EmulatedProcessor.this;
    }

    @Override
    public Duration loadTime() {
      return loadTime;
    }

    @Override
    public Execution run(TensorMap inputs) {
      if (!availability.online()) {
        throw new ProcessorOfflineException(id());
      }
      return guard.run(() -> {
        long startOnClock = clock.getAsLong();
        long start = System.nanoTime();
        TensorMap out = host.run().apply(inputs);
        long hostNanos = Math.max(1, System.nanoTime() - start);
        return new Execution(out, hostNanos, runServiceNanos(segment, startOnClock), true);
      });
    }

    @Override
    public Duration expectedServiceTime() {
      return Duration.ofNanos(serviceNanos(segment));
    }

    @Override
    public void close() {
      guard.close(() -> {
        host.close().run();
        open.remove(this);
      });
    }
  }
}
