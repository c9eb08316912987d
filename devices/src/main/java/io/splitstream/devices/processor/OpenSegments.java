package io.splitstream.devices.processor;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The bookkeeping every processor shares: the checks made before a segment is loaded (online, a
 * format it runs, no op it lacks) and the segments loaded and not yet closed, so closing the
 * processor frees what callers forgot. Thread-safe.
 */
public final class OpenSegments {
  private final Set<LoadedSegment> open = ConcurrentHashMap.newKeySet();

  /**
   * Throws when {@code processor} cannot load {@code segment}: offline, a format it does not run,
   * or an op it lacks; never falls back to another processor.
   *
   * @throws ProcessorOfflineException when it is offline
   * @throws UnsupportedOpException naming the first op it lacks
   * @throws SplitstreamException when it does not run the segment's format
   */
  public static void checkLoadable(Processor processor, Segment segment) {
    if (!processor.availability().online()) {
      throw new ProcessorOfflineException(processor.id());
    }
    if (!processor.formats().contains(segment.format())) {
      throw new SplitstreamException("segment " + segment.label() + " is " + segment.format() + ", but processor '"
          + processor.id() + "' runs " + processor.formats().stream().map(OpenSegments::display).sorted()
              .collect(Collectors.joining(", ")) + " only: place it on a processor that runs " + display(segment.format()));
    }
    processor.firstUnsupportedOp(segment).ifPresent(op -> {
      throw new UnsupportedOpException(segment.label(), processor.id(), op);
    });
  }

  private static String display(ModelFormat f) {
    return f == ModelFormat.TFLITE ? "TFLite" : "ONNX";
  }

  /** The live set, for a {@link MeasuredSegment} that removes itself when closed. */
  public Set<LoadedSegment> set() {
    return open;
  }

  public void add(LoadedSegment loaded) {
    open.add(loaded);
  }

  public void remove(LoadedSegment loaded) {
    open.remove(loaded);
  }

  /** Closes every segment still open; each {@link LoadedSegment#close} is idempotent. */
  public void closeAll() {
    for (LoadedSegment l : List.copyOf(open)) {
      l.close();
    }
  }
}
