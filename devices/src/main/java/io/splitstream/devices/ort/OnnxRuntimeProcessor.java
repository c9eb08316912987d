package io.splitstream.devices.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.OpenSegments;
import io.splitstream.devices.processor.MeasuredSegment;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.processor.ProcessorOfflineException;
import io.splitstream.devices.processor.UnsupportedOpException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * A real processor: ONNX Runtime on this host, with the CPU execution provider or one chosen by
 * name (CUDA, TensorRT, OpenVINO, …). Each loaded segment is its own session with its own thread
 * pool of {@code threads} intra-op threads.
 *
 * <p>A provider this ONNX Runtime build lacks is refused when the processor is created
 * ({@link ProviderUnavailableException}). Nodes the provider cannot take are <em>not</em> moved to
 * the CPU silently: the session is created with {@code session.disable_cpu_ep_fallback=1} unless
 * {@code allowCpuFallback}, so such a segment fails to load instead. ONNX Runtime implements the
 * whole default ONNX opset on the CPU; an op it has no kernel or schema for (a custom domain, say)
 * surfaces at load as {@link UnsupportedOpException}.
 *
 * <p>Thread-safe; each {@link LoadedSegment} runs one invocation at a time. Closing the processor
 * closes the segments still loaded on it (a later {@code run} on them throws
 * {@link IllegalStateException}). Execution times are
 * wall-clock around {@code OrtSession.run} including input wrapping and output hand-over; a
 * real processor's {@code serviceNanos} equals its {@code hostNanos}. Its {@link Availability} is
 * reported, not imposed; only {@code online=false} is honoured (runs and loads are refused).
 */
public final class OnnxRuntimeProcessor implements Processor {
  private final String id;
  private final ProcessorKind kind;
  private final ExecutionProvider provider;
  private final int threads;
  private final boolean allowCpuFallback;
  private final Availability availability = new Availability();
  private final OpenSegments open = new OpenSegments();
  private final String description;

  private OnnxRuntimeProcessor(String id, ProcessorKind kind, ExecutionProvider provider, int threads,
      boolean allowCpuFallback) {
    if (id == null || id.isBlank()) {
      throw new SplitstreamException("processor id must not be blank: name it e.g. cpu or gpu");
    }
    if (threads < 1) {
      throw new SplitstreamException("processor '" + id + "': threads must be at least 1, got " + threads);
    }
    this.id = id;
    this.kind = kind;
    this.provider = provider;
    this.threads = threads;
    this.allowCpuFallback = allowCpuFallback;
    this.description = String.format(Locale.ROOT, "ONNX Runtime %s, %s execution provider, %d intra-op thread%s%s",
        OrtEnvironment.getEnvironment().getVersion(), provider.ortProvider().name(), threads, threads == 1 ? "" : "s",
        provider == ExecutionProvider.CPU ? "" : allowCpuFallback ? ", CPU fallback allowed" : ", no CPU fallback");
  }

  /** The CPU execution provider with {@code intraOpThreads} threads per loaded segment. */
  public static OnnxRuntimeProcessor cpu(String id, int intraOpThreads) {
    return new OnnxRuntimeProcessor(id, ProcessorKind.CPU, ExecutionProvider.CPU, intraOpThreads, false);
  }

  /**
   * An execution provider chosen by name ({@code cuda}, {@code tensorrt}, {@code openvino},
   * {@code dnnl}, {@code rocm}, {@code directml}, {@code coreml}, {@code nnapi}, {@code qnn},
   * {@code xnnpack}, {@code cpu}).
   *
   * @throws ProviderUnavailableException when this ONNX Runtime build lacks it (one line naming
   *     what it has and what to install)
   * @throws SplitstreamException for an unknown name, listing the valid ones
   */
  public static OnnxRuntimeProcessor withProvider(String id, ProcessorKind kind, String provider, int threads,
      boolean allowCpuFallback) {
    ExecutionProvider p = ExecutionProvider.byName(provider);
    p.requireAvailable();
    return new OnnxRuntimeProcessor(id, kind, p, threads, allowCpuFallback);
  }

  public ExecutionProvider provider() {
    return provider;
  }

  public int threads() {
    return threads;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public ProcessorKind kind() {
    return kind;
  }

  @Override
  public boolean emulated() {
    return false;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public Set<ModelFormat> formats() {
    return Set.of(ModelFormat.ONNX);
  }

  /**
   * True for every op of the default ONNX domain (ONNX Runtime's CPU provider implements the
   * opset); false for a domain-qualified op ({@code domain:Op}) other than {@code com.microsoft}.
   * Providers other than CPU claim what they can at load time, where a gap fails the load.
   */
  @Override
  public boolean supports(String opType) {
    int colon = opType.indexOf(':');
    return colon < 0 || opType.startsWith("com.microsoft:") || opType.startsWith("ai.onnx:");
  }

  @Override
  public Availability availability() {
    return availability;
  }

  /**
   * Builds session options as this processor uses them: {@code threads} intra-op threads, one
   * inter-op thread, sequential execution, all graph optimisations, the provider, and no CPU
   * fallback unless allowed. The benchmark uses the same options for its direct runs.
   */
  public OrtSession.SessionOptions sessionOptions() {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    try {
      o.setIntraOpNumThreads(threads);
      o.setInterOpNumThreads(1);
      o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      // warnings such as unused initialisers would flood the console once per loaded segment
      o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      if (provider != ExecutionProvider.CPU) {
        provider.addTo(o);
        if (!allowCpuFallback) {
          o.addConfigEntry("session.disable_cpu_ep_fallback", "1");
        }
      }
      return o;
    } catch (OrtException e) {
      o.close();
      throw new ProviderUnavailableException(provider.cliName(), "execution provider " + provider.ortProvider().name()
          + " could not be set up for processor '" + id + "': " + OrtSegmentSession.firstLine(String.valueOf(e.getMessage()))
          + "; " + provider.remedy());
    }
  }

  @Override
  public LoadedSegment load(Segment segment) {
    OpenSegments.checkLoadable(this, segment);
    long start = System.nanoTime();
    OrtSegmentSession session;
    try (OrtSession.SessionOptions options = sessionOptions()) {
      session = OrtSegmentSession.open(segment, options, id);
    }
    return new MeasuredSegment(segment, this, Duration.ofNanos(System.nanoTime() - start), session::run, session::close,
        open.set());
  }

  @Override
  public void close() {
    open.closeAll();
  }

  @Override
  public String toString() {
    return id + " (" + description + ")";
  }
}
