package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.FedPipeline;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.mlperf.LoadTest;
import io.splitstream.pipeline.net.FrameClient;
import io.splitstream.pipeline.net.FrameServer;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream bench serve}: the same model and frames in-process and over loopback TCP
 * through {@code serve}, side by side in one run; then a slow plan, to show the client's send rate
 * following the pipeline with the server's memory bounded by the credits.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Throughput over the network against in-process, and a slow plan pacing the client.",
        "Throughput over the network (serve + a client on 127.0.0.1) / in-process, same model, plan and frames,",
        "each with the same window of frames in flight; then a slow plan: the client's send rate against the pipeline's,",
        "and the most frames the server held. Real time on an emulated SoC by default (emulated figures)."})
final class ServeBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @picocli.CommandLine.Mixin PipelineOptions pipelineOptions = new PipelineOptions();

  @Option(names = "--split", defaultValue = "0:cpu", description = "the plan of the throughput comparison (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--slow-split", defaultValue = "0:npu", description = "the slower plan of the send-rate run (default: ${DEFAULT-VALUE})")
  String slowSplit;

  @Option(names = "--frames", defaultValue = "2000", description = "frames per measurement (default: ${DEFAULT-VALUE})")
  int frames;

  @Option(names = "--credits", defaultValue = "16", description = "frames in flight, both ways (default: ${DEFAULT-VALUE})")
  int credits;

  @Option(names = "--compute-outputs", description = "emulated processors compute real outputs on the host (default: timing only)")
  boolean computeOutputs;

  /** One closed-loop measurement. */
  record Measure(double fps, double sentFps, long maxLead) {}

  @Override
  public Integer call() throws Exception {
    if (frames < credits || credits < 1) {
      throw new SplitstreamException("--frames must be at least --credits, and --credits positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    Runner.Options fast = options(split);
    double localSum = 0;
    double netSum = 0;
    for (int round = 1; round <= 2; round++) { // alternated, so drift on a shared host hits both alike
      double local = inProcess(fast, out, round);
      double net = network(fast, out, round);
      localSum += local;
      netSum += net;
    }
    out.println(String.format(Locale.ROOT, "ratio network / in-process (2 rounds): %.3f", netSum / localSum));

    Runner.Options slow = options(slowSplit);
    try (FedPipeline p = FedPipeline.open(slow).start();
        FrameServer server = FrameServer.start(p, new FrameServer.Settings("127.0.0.1", 0, credits,
            (int) (4 * p.input().bytes() + 65_536)));
        FrameClient c = FrameClient.connect("127.0.0.1", server.port())) {
      // the client offers every frame at once; it sends only as credits come back
      Measure m = closedLoop(c, frames, frames);
      c.complete();
      p.complete();
      String pipelineAudit = p.audit();
      out.println(String.format(Locale.ROOT,
          "slow plan %s: the client offered all %d frames at once; the pipeline completed %.1f frames/s and the client"
              + " sent %.1f frames/s, never more than %d ahead of the answers (credits %d); the server held at most %d frames"
              + " (%d bytes of input); %d waited in the client at most",
          slowSplit, frames, m.fps(), m.sentFps(), m.maxLead(), credits, server.maxInFlight(),
          server.maxInFlight() * p.input().bytes(), c.maxPending()));
      out.println("  " + c.audit() + "; " + server.audit() + "; pipeline " + pipelineAudit);
    }
    out.println("(emulated timing: figures of an emulated SoC, not of hardware)");
    out.flush();
    return 0;
  }

  private double inProcess(Runner.Options o, PrintWriter out, int round) throws InterruptedException {
    try (FedPipeline p = FedPipeline.open(o).start()) {
      if (round == 1) {
        out.println("model " + p.description() + "; " + frames + " frames, " + credits + " in flight; input "
            + p.input().bytes() + " bytes a frame");
      }
      closedLoop(p, credits, credits * 4L); // warm-up
      double fps = closedLoop(p, credits, frames).fps();
      p.complete();
      out.println(String.format(Locale.ROOT, "round %d in-process:         %8.1f frames/s   %s", round, fps, p.audit()));
      return fps;
    }
  }

  private double network(Runner.Options o, PrintWriter out, int round) throws InterruptedException {
    try (FedPipeline p = FedPipeline.open(o).start();
        FrameServer server = FrameServer.start(p, new FrameServer.Settings("127.0.0.1", 0, credits,
            (int) (4 * p.input().bytes() + 65_536)))) {
      double fps;
      try (FrameClient c = FrameClient.connect("127.0.0.1", server.port())) {
        closedLoop(c, credits, credits * 4L);
        fps = closedLoop(c, credits, frames).fps();
        c.complete();
        out.println(String.format(Locale.ROOT, "round %d network (loopback): %8.1f frames/s   %s", round, fps, c.audit()));
      }
      p.complete();
      String pipelineAudit = p.audit();
      out.println("  " + server.stats());
      out.println("  " + server.audit() + "; pipeline " + pipelineAudit);
      return fps;
    }
  }

  private Runner.Options options(String s) {
    return pipelineOptions.options(s, false, computeOutputs, 1);
  }

  private static long seq = 0;

  /**
   * Keeps {@code window} frames submitted and not yet answered until {@code n} are answered;
   * frames/s from the first submission to the last answer, and the rate frames were sent at.
   */
  static Measure closedLoop(Ingest sut, int window, long n) throws InterruptedException {
    TensorMap sample = LoadTest.sample(sut.input());
    CountDownLatch done = new CountDownLatch(1);
    AtomicLong answered = new AtomicLong();
    AtomicLong submitted = new AtomicLong();
    AtomicLong lead = new AtomicLong();
    long start = System.nanoTime();
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long k = submitted.incrementAndGet();
      if (k > n) {
        return;
      }
      sut.submit(Frame.of("bench", nextSeq(), sut.clock().now(TimeUnit.NANOSECONDS), sample), r -> {
        long a = answered.incrementAndGet();
        if (sut instanceof FrameClient c) {
          lead.accumulateAndGet(c.sent() - a, Math::max);
        }
        if (a == n) {
          done.countDown();
        } else {
          next[0].run();
        }
      });
    };
    for (int i = 0; i < window; i++) {
      next[0].run();
    }
    if (!done.await(30, TimeUnit.MINUTES)) {
      throw new IllegalStateException("the benchmark did not finish");
    }
    long end = System.nanoTime();
    double seconds = (end - start) / 1e9;
    double sentFps = n / seconds;
    return new Measure(n / seconds, sentFps, lead.get());
  }

  private static synchronized long nextSeq() {
    return seq++;
  }
}
