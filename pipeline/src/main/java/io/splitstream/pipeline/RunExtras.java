package io.splitstream.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a run feeds and writes besides its {@link Runner.Options}: how many streams, from which
 * further sources, and the per-frame trace and HTML page to write.
 *
 * @param streams concurrent streams into the one pipeline (at least 1); stream {@code i} replays
 *     source {@code i % sources} of the run's source followed by {@code moreSources}
 * @param moreSources sources after the run's own ({@code --source} given several times)
 * @param html write a self-contained HTML page with the summary and plots here
 * @param traceOut write one CSV line per frame here (stream, seq, capture, completion, outcome,
 *     reason, epoch), from which every latency figure of the report can be recomputed
 * @param streamMeterCap per-stream series on {@code /metrics} for at most this many streams; the
 *     rest are counted under {@code stream="other"}
 * @param progress in simulation, print a progress line with the simulated time and the ETA every
 *     few seconds of wall time (a real-time run's progress line is {@link Runner.Options#progress()})
 */
public record RunExtras(int streams, List<String> moreSources, Optional<Path> html, Optional<Path> traceOut,
    int streamMeterCap, boolean progress) {
  /** The default cap on per-stream metric series. */
  public static final int DEFAULT_STREAM_METER_CAP = 32;

  public RunExtras {
    moreSources = List.copyOf(moreSources);
  }

  /** One stream, nothing extra written. */
  public static RunExtras none() {
    return new RunExtras(1, List.of(), Optional.empty(), Optional.empty(), DEFAULT_STREAM_METER_CAP, false);
  }
}
