package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.kafka.KafkaBroker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream kafka-broker}: a single-node Kafka 4 broker (KRaft) for trying out {@code serve --kafka}. */
@Command(
    name = "kafka-broker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Start a single-node Kafka 4 broker on 127.0.0.1, for trying out Kafka workers with no Kafka installed.",
      "The broker and its KRaft controller run in this process, for 'serve --kafka' and 'loadgen --kafka'. Topics are created on first use with --partitions",
      "partitions. Its log (topics, offsets) is kept in --dir across restarts. Not for production: one node, no replication."
    })
final class KafkaBrokerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "9092", description = "port of the PLAINTEXT listener (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--dir", defaultValue = ".splitstream/kafka", description = "log directory (default: ${DEFAULT-VALUE})")
  Path dir;

  @Option(names = "--partitions", converter = Converters.PositiveInt.class, defaultValue = "12", description = "partitions of a topic created on first use (default: ${DEFAULT-VALUE})")
  int partitions;

  @Option(names = "--duration", converter = Converters.DurationConverter.class, description = "run this long (default: until Ctrl-C)")
  Duration duration;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 1 || port > 65535) {
      throw new SplitstreamException("--port " + port + " is not in 1..65535: give e.g. --port 9092");
    }
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    try (KafkaBroker broker = KafkaBroker.start(dir, false, port, partitions)) {
      out.println("kafka broker on " + broker.bootstrap() + " (KRaft, one node; log in " + dir + "); Ctrl-C stops");
      out.flush();
      Thread hook = new Thread(() -> {
        stop.countDown();
        try {
          closed.await(30, TimeUnit.SECONDS); // let the broker shut down cleanly on Ctrl-C
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "splitstream-kafka-broker-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      if (duration != null) {
        stop.await(duration.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        stop.await();
      }
    } finally {
      closed.countDown();
    }
    out.println("kafka broker stopped");
    return 0;
  }
}
