package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.RunExtras;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How many streams {@code run} feeds, and the trace and HTML page it writes. */
final class LoadOptions {
  @Option(names = "--streams", defaultValue = "1",
      description = "concurrent streams into the one pipeline, each with its own id (stream0, stream1, ...), seed and arrivals; with several --source, stream i replays source i mod their number (default: ${DEFAULT-VALUE}, or one per --source)")
  int streams;

  @Option(names = "--stream-meter-cap", defaultValue = "" + RunExtras.DEFAULT_STREAM_METER_CAP,
      description = "per-stream series on /metrics for at most this many streams; the rest count as stream=\"other\" (default: ${DEFAULT-VALUE})")
  int meterCap;

  @Option(names = "--html", description = "write a self-contained HTML page with the summary and plots to this file")
  Path html;

  @Option(names = "--trace-out", description = "write one CSV line per frame to this file: stream, seq, capture and completion time (ns, pipeline clock), outcome, reason, plan epoch")
  Path traceOut;

  /** Checked before any work starts. */
  RunExtras extras(List<String> moreSources, boolean progress) {
    if (streams < 1) {
      throw new SplitstreamException("--streams " + streams + " is not positive: give at least 1");
    }
    if (meterCap < 0) {
      throw new SplitstreamException("--stream-meter-cap " + meterCap + " is negative: give 0 or more");
    }
    if (traceOut != null && html != null && traceOut.toAbsolutePath().equals(html.toAbsolutePath())) {
      throw new SplitstreamException("--trace-out and --html name the same file " + html + ": give two files");
    }
    return new RunExtras(streams, moreSources, Optional.ofNullable(html), Optional.ofNullable(traceOut), meterCap,
        progress);
  }
}
