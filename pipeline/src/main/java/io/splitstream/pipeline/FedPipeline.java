package io.splitstream.pipeline;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.ingest.IngestResult;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.time.NanoClock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link Pipeline} fed by pushed frames ({@link Ingest}): opens the model and platform, profiles
 * and plans as {@code run} does ({@link Runner}), and builds the pipeline over a source that emits
 * what {@link #submit} is given. The plan stays the starting one (no live re-planning: a load test
 * measures one configuration). Overload policy {@code block}: admission takes frames as the stages
 * free up and the rest wait in the source's queue, so nothing is shed; who pushes decides how much
 * may wait (the server grants each client a window of credits).
 */
public final class FedPipeline implements Ingest {
  private final Platform platform;
  private final Pipeline pipeline;
  private final Scheduler clock;
  private final TensorSpec input;
  private final String description;
  private final Sinks.Many<Frame> frames = Sinks.many().unicast().onBackpressureBuffer();
  private final Map<String, Consumer<IngestResult>> waiting = new ConcurrentHashMap<>();
  private final Sinks.One<RunReport> report = Sinks.one();
  private volatile boolean completed;

  private FedPipeline(Runner.Options o, Scheduler clock) {
    Runner.check(o);
    if (o.simulate() && o.soc().isEmpty()) {
      throw new SplitstreamException("--simulate needs an emulated SoC (--soc): real processors run only in real time");
    }
    this.clock = clock;
    Model model = Models.open(o.model(), o.inputShapes(), ModelStore.defaultStore());
    this.platform = Runner.platform(o, o.computeOutputs());
    try {
      this.input = Runner.concreteInput(model);
      ProfileTable table = Runner.profile(model, platform, o);
      Runner.followClock(platform, clock, o);
      Plan plan = Runner.choosePlan(o, table, -1);
      SegmentCache cache = new SegmentCache(model, platform, () -> clock.now(TimeUnit.NANOSECONDS));
      ShedPolicy policy = ShedPolicy.parse("block", Optional.empty());
      this.pipeline = Pipeline.builder()
          .model(model.name())
          .platform(platform)
          .plan(plan, cache)
          .source(source())
          .policy(policy)
          .capacity(o.capacity())
          .budget(o.budget())
          .clock(clock, o.simulate())
          .registry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
          .onOutcome(this::settled)
          .build();
      this.description = model.name() + " on " + platform.description() + ", plan " + plan.label()
          + (o.simulate() ? " (simulated, virtual time)" : "");
    } catch (RuntimeException e) {
      platform.close();
      throw e;
    }
  }

  /**
   * Opens the pipeline {@code o} describes, on a simulated clock when {@code o.simulate()} (run it
   * with {@link SimulatedTime#run()} after {@link #start()}), else in real time.
   */
  public static FedPipeline open(Runner.Options o) {
    Scheduler clock = o.simulate() ? new SimulatedTime() : new NanoClock(Schedulers.parallel());
    return new FedPipeline(o, clock);
  }

  /** Starts the pipeline; frames submitted before are taken from then on. Call once. */
  public FedPipeline start() {
    pipeline.run().subscribe(report::tryEmitValue, report::tryEmitError);
    return this;
  }

  /** The run's report, once {@link #complete()} was called and every frame has left. */
  public Mono<RunReport> report() {
    return report.asMono();
  }

  /** The plan frames run on. */
  public Plan plan() {
    return pipeline.plan();
  }

  @Override
  public TensorSpec input() {
    return input;
  }

  @Override
  public Scheduler clock() {
    return clock;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public double expectedRate() {
    return pipeline.plan().throughputFps();
  }

  /** Waits for the report (call after {@link #complete()}): in simulation it is there once the clock has run. */
  private RunReport finalReport() {
    RunReport r = report.asMono().block(java.time.Duration.ofMinutes(10));
    if (r == null) {
      throw new IllegalStateException("the pipeline ended without a report");
    }
    return r;
  }

  @Override
  public String audit() {
    RunReport r = finalReport();
    return "audit: " + r.audit().summary() + (r.orderViolations() > 0 ? "; " + r.orderViolations() + " frames out of order" : "")
        + "; ledger " + r.ledger().offered() + " offered = " + r.ledger().completed() + " completed + "
        + r.ledger().shed() + " shed + " + r.ledger().failed() + " failed";
  }

  @Override
  public boolean auditPassed() {
    return finalReport().sound();
  }

  @Override
  public void submit(Frame frame, Consumer<IngestResult> done) {
    if (completed) {
      throw new IllegalStateException("the pipeline was told no more frames come");
    }
    if (waiting.putIfAbsent(frame.id(), done) != null) {
      throw new IllegalArgumentException("frame " + frame.id() + " is already in the pipeline");
    }
    synchronized (frames) {
      Sinks.EmitResult r = frames.tryEmitNext(frame);
      if (r.isFailure()) {
        waiting.remove(frame.id());
        throw new IllegalStateException("the pipeline did not take frame " + frame.id() + ": " + r);
      }
    }
  }

  @Override
  public void complete() {
    completed = true;
    synchronized (frames) {
      frames.tryEmitComplete();
    }
  }

  @Override
  public void close() {
    try {
      pipeline.close();
    } finally {
      platform.close();
    }
  }

  private void settled(Outcome<Frame> outcome) {
    long now = clock.now(TimeUnit.NANOSECONDS);
    IngestResult result;
    if (outcome instanceof Outcome.Ok<Frame> ok) {
      Frame f = ok.value();
      result = new IngestResult(f.streamId(), f.seq(), IngestResult.Status.COMPLETED, "", f.tensors(), now);
    } else if (outcome instanceof Outcome.Failed<Frame> failed && failed.item() instanceof Frame f) {
      result = new IngestResult(f.streamId(), f.seq(), IngestResult.Status.FAILED,
          failed.where() + ": " + failed.cause(), TensorMap.empty(), now);
    } else if (outcome instanceof Outcome.Shed<Frame> shed && shed.item() instanceof Frame f) {
      result = new IngestResult(f.streamId(), f.seq(), IngestResult.Status.SHED, shed.reason(), TensorMap.empty(), now);
    } else {
      return;
    }
    Consumer<IngestResult> done = waiting.remove(result.streamId() + "#" + result.seq());
    if (done != null) {
      done.accept(result);
    }
  }

  private FrameSource source() {
    Flux<Frame> flux = frames.asFlux();
    return new FrameSource() {
      @Override
      public Flux<Frame> frames() {
        return flux;
      }

      @Override
      public String description() {
        return "frames pushed to it (loadgen or network)";
      }

      @Override
      public boolean live() {
        return false;
      }
    };
  }
}
