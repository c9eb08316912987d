package io.splitstream.pipeline.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.splitstream.pipeline.RunControl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * What the live page is pushed, as Server-Sent Events: on connecting, event {@code history} with
 * the samples of the last {@link #HISTORY} and the decisions; then every {@link #PERIOD} event
 * {@code status} with the run's status, the newest sample and the decisions.
 *
 * <p>A sample is taken every {@link #PERIOD} from the start of the server: frames
 * completed per second over the period, and p50/p99 of the latency of the frames completed in it
 * (from the latency histogram's buckets, interpolated within a bucket, so as coarse as the
 * buckets). Times are seconds since the run started on the pipeline clock.
 */
final class LiveFeed {
  /** How often a sample is taken and pushed. */
  static final Duration PERIOD = Duration.ofSeconds(1);

  /** How far back the charts reach. */
  static final Duration HISTORY = Duration.ofMinutes(5);

  /** One point of the charts; the percentiles are NaN (null in JSON) when nothing completed. */
  record Sample(double t, double fps, Double p50Ms, Double p99Ms, long epoch) {}

  private final RunControl control;
  private final MeterRegistry registry;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final Sinks.Many<Map<String, Object>> ticks = Sinks.many().multicast().directBestEffort();
  private final Disposable sampler;
  private long lastCompleted = -1;
  private double lastT;
  private HistogramSnapshot lastLatency;

  LiveFeed(RunControl control, MeterRegistry registry) {
    this.control = control;
    this.registry = registry;
    // one sampler for every page, from the start, so a page opened late still sees the history
    this.sampler = Flux.interval(Duration.ZERO, PERIOD, Schedulers.parallel())
        .onBackpressureDrop()
        .subscribe(t -> {
          try {
            ticks.tryEmitNext(tick());
          } catch (RuntimeException e) {
            // a reading that fails (the run closing under it) skips one tick; the page keeps the last
          }
        });
  }

  /** Stops sampling and ends every page's stream. */
  void close() {
    sampler.dispose();
    ticks.tryEmitComplete();
  }

  /** The event stream of one page. */
  Flux<String> events() {
    return Flux.concat(
        Flux.defer(() -> Flux.just(event("history", history()))),
        ticks.asFlux().onBackpressureLatest().map(status -> event("status", status)));
  }

  /** The samples of the last {@link #HISTORY}, the decisions and the status: what a page starts from. */
  synchronized Map<String, Object> history() {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("samples", List.copyOf(samples));
    h.put("decisions", control.decisions());
    h.put("status", control.status());
    return h;
  }

  private synchronized Map<String, Object> tick() {
    RunControl.Status status = control.status();
    double t = status.elapsedSeconds();
    long completed = status.ledger().completed();
    HistogramSnapshot latency = latencySnapshot();
    if (lastCompleted >= 0 && t > lastT) {
      double fps = (completed - lastCompleted) / (t - lastT);
      double[] p = windowPercentiles(lastLatency, latency);
      samples.addLast(new Sample(round(t), round(fps), nullable(p[0]), nullable(p[1]), status.plan().epoch()));
      while (!samples.isEmpty() && samples.peekFirst().t() < t - HISTORY.toSeconds()) {
        samples.removeFirst();
      }
    }
    lastCompleted = completed;
    lastT = t;
    lastLatency = latency;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    m.put("sample", samples.peekLast());
    m.put("decisions", control.decisions());
    return m;
  }

  private HistogramSnapshot latencySnapshot() {
    Timer timer = registry.find("splitstream.frame.latency").tag("model", control.status().model()).timer();
    return timer == null ? null : timer.takeSnapshot();
  }

  /** p50 and p99 in ms of the frames counted between two cumulative histograms; NaN if none. */
  static double[] windowPercentiles(HistogramSnapshot before, HistogramSnapshot after) {
    if (after == null) {
      return new double[] {Double.NaN, Double.NaN};
    }
    CountAtBucket[] a = after.histogramCounts();
    CountAtBucket[] b = before == null ? null : before.histogramCounts();
    double[] upper = new double[a.length];
    double[] count = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      upper[i] = a[i].bucket(TimeUnit.MILLISECONDS);
      count[i] = a[i].count() - (b != null && b.length == a.length ? b[i].count() : 0);
    }
    double total = a.length == 0 ? 0 : count[a.length - 1];
    if (total <= 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    return new double[] {quantile(upper, count, total, 0.5), quantile(upper, count, total, 0.99)};
  }

  private static double quantile(double[] upper, double[] cumulative, double total, double q) {
    double rank = q * total;
    for (int i = 0; i < upper.length; i++) {
      if (cumulative[i] >= rank) {
        double lo = i == 0 ? 0 : upper[i - 1];
        double below = i == 0 ? 0 : cumulative[i - 1];
        double in = cumulative[i] - below;
        return in <= 0 ? upper[i] : lo + (upper[i] - lo) * (rank - below) / in;
      }
    }
    return upper[upper.length - 1];
  }

  private static Double nullable(double v) {
    return Double.isFinite(v) ? round(v) : null;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static String event(String name, Object data) {
    try {
      return "event: " + name + "\ndata: " + WebServer.JSON.writeValueAsString(data) + "\n\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
