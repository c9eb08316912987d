package io.splitstream.pipeline.mlperf;

import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.ingest.IngestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.distribution.ExponentialDistribution;
import org.apache.commons.math3.random.Well19937c;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Issues one LoadGen-style test's queries to a system under test (an {@link Ingest}: the local
 * pipeline, or a remote one over the network) on its clock, and gathers every query's record.
 *
 * <ul>
 *   <li>SingleStream and MultiStream: one query at a time (1 or {@code samplesPerQuery} samples);
 *       the next is issued when the previous has completed, until the last issued query was issued
 *       at or after the minimum duration and at least the minimum count were issued.
 *   <li>Server: one sample a query at Poisson arrivals of the target QPS (seeded exponential gaps),
 *       issued on schedule whether or not earlier ones completed, until one was scheduled at or
 *       after the minimum duration and at least the minimum count were issued.
 *   <li>Offline: one query of every sample at once.
 * </ul>
 *
 * Queries never wait in the generator: what the system cannot take yet waits in its own queue and
 * counts in the latency, as in LoadGen.
 */
public final class LoadGenerator {
  /** The stream id every sample is sent under. */
  public static final String STREAM = "loadgen";

  private final Ingest sut;
  private final TestSettings settings;
  private final TensorMap sample;
  private final Scheduler clock;
  private final Sinks.One<MlperfResult> result = Sinks.one();
  private final List<QueryRecord> records = new ArrayList<>();
  private final long offlineSamples;
  private final ExponentialDistribution gaps;
  private long startNanos;
  private long nextSeq;
  private long issued;
  private long completed;
  private long nextArrivalNanos;
  private boolean arrivalsDone;

  private LoadGenerator(Ingest sut, TestSettings settings, TensorMap sample, double expectedQps) {
    this.sut = sut;
    this.settings = settings;
    this.sample = sample;
    this.clock = sut.clock();
    this.offlineSamples = settings.offlineSamples(expectedQps);
    this.gaps = new ExponentialDistribution(new Well19937c(settings.seed()), 1e9 / settings.targetQps());
  }

  /**
   * Starts the test on {@code sut}'s clock and emits its result when the last query completes. In
   * simulation, subscribe before running the clock.
   *
   * @param sample the tensors every sample carries
   * @param expectedQps Offline: the rate to size the query for when the settings do not give one
   */
  public static Mono<MlperfResult> run(Ingest sut, TestSettings settings, TensorMap sample, double expectedQps) {
    LoadGenerator g = new LoadGenerator(sut, settings, sample, expectedQps);
    return Mono.defer(() -> {
      g.clock.schedule(g::begin);
      return g.result.asMono();
    });
  }

  private synchronized void begin() {
    startNanos = clock.now(TimeUnit.NANOSECONDS);
    switch (settings.scenario()) {
      case SINGLE_STREAM -> issue(1, startNanos);
      case MULTI_STREAM -> issue(settings.samplesPerQuery(), startNanos);
      case SERVER -> {
        nextArrivalNanos = startNanos;
        arrive();
      }
      case OFFLINE -> issue((int) Math.min(Integer.MAX_VALUE, offlineSamples), startNanos);
    }
  }

  /**
   * Server: issues the arrival due now and schedules the next, until an arrival was scheduled at
   * or after the minimum duration and at least the minimum count were issued (LoadGen generates
   * its schedule so), or the cap is reached.
   */
  private synchronized void arrive() {
    issue(1, nextArrivalNanos);
    boolean enough = nextArrivalNanos - startNanos >= settings.minDuration().toNanos() && issued >= settings.minQueryCount();
    boolean capped = settings.maxQueries() > 0 && issued >= settings.maxQueries();
    if (enough || capped) {
      arrivalsDone = true;
      if (completed == issued) {
        end();
      }
      return;
    }
    nextArrivalNanos += Math.max(1, Math.round(gaps.sample()));
    long delay = Math.max(0, nextArrivalNanos - clock.now(TimeUnit.NANOSECONDS));
    clock.schedule(this::arrive, delay, TimeUnit.NANOSECONDS);
  }

  private void issue(int samples, long atNanos) {
    Query q = new Query(issued++, samples, atNanos);
    for (int i = 0; i < samples; i++) {
      int index = i;
      sut.submit(Frame.of(STREAM, nextSeq++, atNanos, sample), r -> q.done(index, r));
    }
  }

  private synchronized void finished(Query q) {
    records.add(q.record(startNanos));
    completed++;
    switch (settings.scenario()) {
      case SINGLE_STREAM, MULTI_STREAM -> {
        boolean capped = settings.maxQueries() > 0 && issued >= settings.maxQueries();
        boolean enough = issued >= settings.minQueryCount()
            && q.issuedNanos - startNanos >= settings.minDuration().toNanos();
        if (capped || enough) {
          end();
        } else {
          int samples = settings.scenario() == MlperfScenario.SINGLE_STREAM ? 1 : settings.samplesPerQuery();
          clock.schedule(() -> {
            synchronized (this) {
              issue(samples, clock.now(TimeUnit.NANOSECONDS));
            }
          });
        }
      }
      case SERVER -> {
        if (arrivalsDone && completed == issued) {
          end();
        }
      }
      case OFFLINE -> end();
    }
  }

  private void end() {
    records.sort((a, b) -> Long.compare(a.id(), b.id()));
    result.tryEmitValue(new MlperfResult(settings, sut.description(), records));
  }

  /** A query in flight: its samples' results as they come. */
  private final class Query {
    final long id;
    final long issuedNanos;
    final long[] latencies;
    int remaining;
    int failed;
    long lastNanos;

    Query(long id, int samples, long issuedNanos) {
      this.id = id;
      this.issuedNanos = issuedNanos;
      this.latencies = new long[samples];
      this.remaining = samples;
    }

    void done(int index, IngestResult r) {
      boolean last;
      synchronized (this) {
        latencies[index] = Math.max(0, r.completedNanos() - issuedNanos);
        lastNanos = Math.max(lastNanos, r.completedNanos());
        if (!r.completed()) {
          failed++;
        }
        last = --remaining == 0;
      }
      if (last) {
        finished(this);
      }
    }

    QueryRecord record(long start) {
      return new QueryRecord(id, latencies.length, issuedNanos - start, lastNanos - start, failed, latencies);
    }
  }
}
