package io.splitstream.devices.tflite;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.OpenSegments;
import io.splitstream.devices.processor.MeasuredSegment;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.processor.ProcessorOfflineException;
import io.splitstream.devices.processor.UnsupportedOpException;
import java.time.Duration;
import java.util.Set;

/**
 * A real CPU processor running TFLite models with the TFLite 2.6.2 interpreter
 * ({@code org.tensorflow.lite.Interpreter} from DJL's {@code tflite-engine}) and XNNPACK. Runs
 * TFLITE segments only; a TFLite model is one segment.
 *
 * <p>Op support is decided before the interpreter is built: every builtin op of the schema's
 * codes 0–127 except {@code CUSTOM}/{@code DELEGATE}, and the custom ops the builtin resolver
 * registers ({@code TFLite_Detection_PostProcess}, {@code Mfcc}, {@code AudioSpectrogram}); any
 * other custom op (e.g. MediaPipe's {@code Convolution2DTransposeBias}) or newer builtin code is
 * refused with {@link UnsupportedOpException}. An op the interpreter still rejects is reported the
 * same way.
 *
 * <p>Thread-safe; each loaded segment runs one invocation at a time. Closing the processor
 * closes the segments still loaded on it (a later {@code run} on them throws
 * {@link IllegalStateException}). Only {@code online=false} of
 * its {@link Availability} is honoured.
 */
public final class TfliteProcessor implements Processor {
  private static final Set<String> CUSTOM_REGISTERED = Set.of("TFLite_Detection_PostProcess", "Mfcc", "AudioSpectrogram");
  private static final Set<String> NOT_RUNNABLE = Set.of("CUSTOM", "DELEGATE", "PLACEHOLDER_FOR_GREATER_OP_CODES");

  private final String id;
  private final int threads;
  private final Availability availability = new Availability();
  private final OpenSegments open = new OpenSegments();

  private TfliteProcessor(String id, int threads) {
    if (id == null || id.isBlank()) {
      throw new SplitstreamException("processor id must not be blank: name it e.g. tflite");
    }
    if (threads < 1) {
      throw new SplitstreamException("processor '" + id + "': threads must be at least 1, got " + threads);
    }
    this.id = id;
    this.threads = threads;
  }

  /** A TFLite CPU processor with {@code threads} interpreter threads. */
  public static TfliteProcessor cpu(String id, int threads) {
    return new TfliteProcessor(id, threads);
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
    return ProcessorKind.CPU;
  }

  @Override
  public boolean emulated() {
    return false;
  }

  @Override
  public String description() {
    return "TFLite 2.6.2 interpreter on the host CPU, XNNPACK, " + threads + " thread" + (threads == 1 ? "" : "s");
  }

  @Override
  public Set<ModelFormat> formats() {
    return Set.of(ModelFormat.TFLITE);
  }

  @Override
  public boolean supports(String opType) {
    if (CUSTOM_REGISTERED.contains(opType)) {
      return true;
    }
    if (NOT_RUNNABLE.contains(opType) || opType.startsWith("BUILTIN_")) {
      return false;
    }
    for (int code = 0; code < 128; code++) {
      if (TfliteGraph.builtinName(code).equals(opType)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Availability availability() {
    return availability;
  }

  @Override
  public LoadedSegment load(Segment segment) {
    OpenSegments.checkLoadable(this, segment);
    long start = System.nanoTime();
    TfliteSegmentSession session = TfliteSegmentSession.open(segment, threads, id);
    return new MeasuredSegment(segment, this, Duration.ofNanos(System.nanoTime() - start), session::run, session::close,
        open.set());
  }

  @Override
  public void close() {
    open.closeAll();
  }

  @Override
  public String toString() {
    return id + " (" + description() + ")";
  }
}
