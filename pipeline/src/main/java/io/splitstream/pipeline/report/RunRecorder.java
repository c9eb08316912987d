package io.splitstream.pipeline.report;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.frame.Settlement;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;

/**
 * Listens to every frame's {@link Settlement} and keeps what the report's detail needs: per-stream
 * counts, latency and order; throughput, p99 and shed frames per time bucket; optionally a trace
 * file with one CSV line per frame; and per-stream meters for at most {@code meterCap} streams (the
 * rest under {@code stream="other"}, so a run of a thousand streams does not make a thousand
 * series).
 *
 * <p>Thread-safe: settlements may come from the sink and the admitting thread at once (one lock).
 * Time buckets are fixed at construction from the run's duration: at least 100 ms, at most
 * {@value #MAX_BUCKETS} buckets; a settlement after the last bucket widens nothing and falls in the
 * last one.
 */
public final class RunRecorder implements Consumer<Settlement>, AutoCloseable {
  /** Buckets of the time series at most. */
  public static final int MAX_BUCKETS = 600;

  /** The trace file's header line. */
  public static final String TRACE_HEADER = "stream,seq,capture_ns,completion_ns,outcome,reason,epoch";

  private static final long HIGHEST = TimeUnit.HOURS.toNanos(2);

  private final LongSupplier start;
  private final long bucketNanos;
  private final int buckets;
  private final Map<String, Stream> streams = new TreeMap<>(RunRecorder::naturally);
  private final Histogram all = new Histogram(HIGHEST, 3);
  private final long[] completedPerBucket;
  private final long[] shedPerBucket;
  private final Histogram[] latencyPerBucket;
  private final BufferedWriter trace;
  private final Path tracePath;
  private final MeterRegistry registry;
  private final String model;
  private final int meterCap;
  private final Map<String, Meters> meters = new HashMap<>();

  /**
   * @param start the run's start on the pipeline clock, read at each settlement
   * @param duration the run's length, to size the time buckets (empty: one hour)
   * @param trace where to write the per-frame CSV, if anywhere
   * @param registry where per-stream meters go
   * @param meterCap per-stream series for at most this many streams (0: none)
   * @throws SplitstreamException when the trace file cannot be created
   */
  public RunRecorder(LongSupplier start, Optional<Duration> duration, Optional<Path> trace, MeterRegistry registry,
      String model, int meterCap) {
    this.start = start;
    long total = duration.orElse(Duration.ofHours(1)).toNanos();
    this.bucketNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(100), (total + MAX_BUCKETS - 1) / MAX_BUCKETS);
    this.buckets = (int) Math.max(1, Math.min(MAX_BUCKETS, (total + bucketNanos - 1) / bucketNanos));
    this.completedPerBucket = new long[buckets];
    this.shedPerBucket = new long[buckets];
    this.latencyPerBucket = new Histogram[buckets];
    this.registry = registry;
    this.model = model;
    this.meterCap = meterCap;
    this.tracePath = trace.orElse(null);
    try {
      if (tracePath != null) {
        Path parent = tracePath.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        this.trace = Files.newBufferedWriter(tracePath);
        this.trace.write(TRACE_HEADER);
        this.trace.newLine();
      } else {
        this.trace = null;
      }
    } catch (IOException e) {
      throw new SplitstreamException("cannot write the trace " + tracePath + ": " + e.getMessage()
          + "; choose a writable path for --trace-out", e);
    }
  }

  @Override
  public synchronized void accept(Settlement s) {
    Stream st = streams.computeIfAbsent(s.streamId(), Stream::new);
    int b = (int) Math.max(0, Math.min(buckets - 1, (s.settledNanos() - start.getAsLong()) / bucketNanos));
    long latency = Math.min(s.latencyNanos(), HIGHEST);
    st.offered++;
    switch (s.outcome()) {
      case Settlement.COMPLETED -> {
        st.completed++;
        st.latency.recordValue(latency);
        all.recordValue(latency);
        if (s.seq() <= st.lastCompletedSeq) {
          st.orderKept = false;
        }
        st.lastCompletedSeq = s.seq();
        completedPerBucket[b]++;
        if (latencyPerBucket[b] == null) {
          latencyPerBucket[b] = new PackedHistogram(HIGHEST, 2);
        }
        latencyPerBucket[b].recordValue(latency);
      }
      case Settlement.SHED -> {
        st.shed++;
        shedPerBucket[b]++;
      }
      default -> st.failed++;
    }
    meters(s.streamId()).record(s, latency);
    if (trace != null) {
      try {
        trace.write(s.streamId() + "," + s.seq() + "," + s.captureNanos() + "," + s.settledNanos() + "," + s.outcome()
            + "," + s.reason().replace(',', ';') + "," + s.epoch());
        trace.newLine();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the trace " + tracePath, e);
      }
    }
  }

  private Meters meters(String stream) {
    Meters m = meters.get(stream);
    if (m == null) {
      String tag = meters.size() < meterCap ? stream : "other";
      m = meters.values().stream().filter(x -> x.tag.equals(tag)).findFirst().orElseGet(() -> new Meters(tag));
      meters.put(stream, m);
    }
    return m;
  }

  /**
   * The detail so far.
   *
   * @param seconds the run's length, for per-stream throughput
   * @param switchesAtSeconds when new plans took effect
   */
  public synchronized RunDetail detail(double seconds, List<Double> switchesAtSeconds) {
    List<RunDetail.StreamReport> out = new ArrayList<>();
    for (Stream s : streams.values()) {
      out.add(new RunDetail.StreamReport(s.id, s.offered, s.completed, s.shed, s.failed,
          seconds > 0 ? s.completed / seconds : 0, ms(s.latency, 50), ms(s.latency, 90), ms(s.latency, 99),
          s.latency.getTotalCount() == 0 ? 0 : s.latency.getMaxValue() / 1e6, s.orderKept));
    }
    int used = (int) Math.min(buckets, Math.max(1, Math.ceil(seconds * 1e9 / bucketNanos)));
    double bucketSeconds = bucketNanos / 1e9;
    List<Double> fps = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    List<Long> shed = new ArrayList<>();
    for (int i = 0; i < used; i++) {
      fps.add(completedPerBucket[i] / bucketSeconds);
      p99.add(latencyPerBucket[i] == null ? 0 : latencyPerBucket[i].getValueAtPercentile(99) / 1e6);
      shed.add(shedPerBucket[i]);
    }
    return new RunDetail(out, new RunDetail.Series(bucketSeconds, fps, p99, shed, switchesAtSeconds), cdf());
  }

  /** About 200 points of the latency CDF of completed frames. */
  private List<double[]> cdf() {
    List<double[]> points = new ArrayList<>();
    if (all.getTotalCount() == 0) {
      return points;
    }
    double[] ps = new double[201];
    for (int i = 0; i <= 200; i++) {
      // denser towards the tail, where the interesting percentiles are
      ps[i] = 100 * (1 - Math.pow(1 - i / 200.0, 3));
    }
    for (double p : ps) {
      points.add(new double[] {all.getValueAtPercentile(p) / 1e6, p / 100});
    }
    return points;
  }

  /** Stream ids in natural order: {@code stream2} before {@code stream10}. */
  static int naturally(String a, String b) {
    int i = a.length();
    while (i > 0 && Character.isDigit(a.charAt(i - 1))) {
      i--;
    }
    int j = b.length();
    while (j > 0 && Character.isDigit(b.charAt(j - 1))) {
      j--;
    }
    int byPrefix = a.substring(0, i).compareTo(b.substring(0, j));
    if (byPrefix != 0 || i == a.length() || j == b.length()) {
      return byPrefix != 0 ? byPrefix : a.compareTo(b);
    }
    String na = a.substring(i);
    String nb = b.substring(j);
    int byLength = Integer.compare(na.replaceFirst("^0+", "").length(), nb.replaceFirst("^0+", "").length());
    return byLength != 0 ? byLength : a.compareTo(b);
  }

  private static double ms(Histogram h, double p) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p) / 1e6;
  }

  /** Flushes and closes the trace file. Idempotent. */
  @Override
  public synchronized void close() {
    if (trace != null) {
      try {
        trace.close();
      } catch (IOException e) {
        throw new SplitstreamException("cannot finish the trace " + tracePath + ": " + e.getMessage(), e);
      }
    }
  }

  private static final class Stream {
    final String id;
    final Histogram latency = new Histogram(HIGHEST, 3);
    long offered;
    long completed;
    long shed;
    long failed;
    long lastCompletedSeq = -1;
    boolean orderKept = true;

    Stream(String id) {
      this.id = id;
    }
  }

  /** One stream's series (or the shared "other" series past the cap). */
  private final class Meters {
    final String tag;
    final Timer latency;
    final Map<String, Counter> outcomes = new HashMap<>();

    Meters(String tag) {
      this.tag = tag;
      this.latency = Timer.builder("splitstream.stream.latency")
          .description("End-to-end latency of a stream's completed frames, capture to sink; per stream up to the cap, the rest as stream=other")
          .tags("model", model, "stream", tag)
          .register(registry);
    }

    void record(Settlement s, long latencyNanos) {
      outcomes.computeIfAbsent(s.outcome(), o -> Counter.builder("splitstream.stream.frames")
          .description("Frames of a stream by how they settled (completed, shed, failed); per stream up to the cap, the rest as stream=other")
          .tags("model", model, "stream", tag, "outcome", o)
          .register(registry)).increment();
      if (s.completed()) {
        latency.record(latencyNanos, TimeUnit.NANOSECONDS);
      }
    }
  }
}
