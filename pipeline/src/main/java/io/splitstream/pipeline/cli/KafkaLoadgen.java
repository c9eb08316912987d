package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.kafka.FramePublisher;
import io.splitstream.pipeline.kafka.ResultsReader;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import io.splitstream.pipeline.source.Sources;
import io.splitstream.pipeline.time.NanoClock;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.scheduler.Schedulers;

/**
 * {@code loadgen --kafka}: publishes the frames of one or more sources (any source spec, many
 * streams) to a topic, one record per frame, key the stream id, value its envelope; at the
 * sources' own pace, for {@code duration}.
 */
final class KafkaLoadgen {
  private KafkaLoadgen() {}

  static int run(PrintWriter out, String bootstrap, String topic, String model, InputShapes shapes, List<String> sources,
      int streams, Duration duration, long seed, int maxRecordBytes, String results, Duration resultsWait) {
    if (maxRecordBytes < 1024) {
      throw new SplitstreamException("--max-record-bytes " + maxRecordBytes + " is too small: give at least 1024 (Kafka's default is 1048576)");
    }
    TensorSpec input = Runner.concreteInput(Models.open(model, shapes, ModelStore.defaultStore()));
    FramePublisher.checkSize("stream0", FrameEnvelope.tensorsSize(io.splitstream.devices.tensor.TensorMap.of(input.name(),
        io.splitstream.devices.tensor.Tensor.zeros(input.type(), input.shapeArray()))) + 64, maxRecordBytes);
    SourceContext ctx = new SourceContext(input, "stream0", new NanoClock(Schedulers.parallel()), Optional.of(duration), seed, true);
    FrameSource source = Sources.openStreams(sources, Math.max(streams, sources.size()), ctx);
    AtomicLong n = new AtomicLong();
    long t0 = System.nanoTime();
    ResultsReader reader = results != null ? new ResultsReader(bootstrap, results) : null;
    try (FramePublisher pub = new FramePublisher(bootstrap, topic, maxRecordBytes)) {
      out.println("loadgen: publishing " + source.description() + " to topic '" + topic + "' on " + bootstrap + " for " + duration);
      out.flush();
      source.frames().take(duration).doOnNext(f -> {
        pub.publish(FrameEnvelope.of(f));
        n.incrementAndGet();
      }).blockLast();
      pub.flush();
    }
    double s = (System.nanoTime() - t0) / 1e9;
    out.println(String.format(java.util.Locale.ROOT, "published %d frames in %.1f s (%.1f frames/s), all acknowledged", n.get(), s,
        n.get() / s));
    if (reader != null) {
      try (reader) {
        // counts every result in the topic: give each run topics of its own (docs/kafka.md)
        long got = reader.readUntil(n.get(), resultsWait);
        reader.readFor(Duration.ofSeconds(1));
        out.println("results in '" + results + "': " + got + " frames with a result (of " + n.get() + " published), "
            + (n.get() - Math.min(got, n.get())) + " without; " + reader.duplicates() + " duplicates dropped; outcomes "
            + reader.byOutcome() + "; " + reader.orderViolations().size() + " streams out of order; by worker " + reader.byWorker());
      }
    }
    return 0;
  }
}
