package io.splitstream.pipeline.kafka;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka 4 broker in KRaft mode (broker and controller in one process), on 127.0.0.1:
 * what the tests run against and what {@code splitstream kafka-broker} starts for someone with no
 * Kafka installed. It formats its log directory on first start; {@link #restart()} stops and starts
 * it on the same ports and log, as a broker restart in production would.
 *
 * <p>Settings for one node: replication factor 1 for the internal topics, no initial rebalance
 * delay (so a group forms at once), the default 1 MiB message limit ({@code message.max.bytes})
 * left as it is.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path logDir;
  private final boolean deleteOnClose;
  private final int port;
  private final int controllerPort;
  private final String clusterId;
  private final int partitions;
  private KafkaRaftServer server;

  private KafkaBroker(Path logDir, boolean deleteOnClose, int port, int partitions) {
    this.logDir = logDir;
    this.deleteOnClose = deleteOnClose;
    this.port = port == 0 ? freePort() : port;
    this.controllerPort = freePort();
    this.clusterId = Uuid.randomUuid().toString();
    this.partitions = partitions;
  }

  /** Starts a broker with its log in a new temporary directory (deleted on close), on a free port. */
  public static KafkaBroker startTemporary(int partitions) {
    try {
      return start(Files.createTempDirectory("splitstream-kafka"), true, 0, partitions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker on {@code port} (0: a free one), its log under {@code logDir}.
   *
   * @param partitions partitions of a topic created on first use
   */
  public static KafkaBroker start(Path logDir, boolean deleteOnClose, int port, int partitions) {
    KafkaBroker b = new KafkaBroker(logDir, deleteOnClose, port, partitions);
    b.format();
    b.startServer();
    return b;
  }

  /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** Stops the broker and starts it again on the same ports and log (clients reconnect). */
  public synchronized void restart() {
    stopServer();
    startServer();
  }

  /** Stops the broker; clients see it gone until {@link #startAgain()}. */
  public synchronized void stop() {
    stopServer();
  }

  /** Starts a stopped broker again, on the same ports and log. */
  public synchronized void startAgain() {
    if (server == null) {
      startServer();
    }
  }

  private Properties props() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", Integer.toString(partitions));
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("group.min.session.timeout.ms", "1000");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("log.cleaner.enable", "false");
    return p;
  }

  private void format() {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return; // formatted before: keep its topics and offsets
    }
    try {
      Files.createDirectories(logDir);
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setClusterId(clusterId)
          .setNodeId(1)
          .setDirectories(List.of(logDir.toString()))
          .setMetadataLogDirectory(logDir.toString())
          .setControllerListenerName("CONTROLLER")
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setIgnoreFormatted(true)
          .run();
    } catch (Exception e) {
      throw new SplitstreamException("cannot format the Kafka log directory " + logDir + ": " + e.getMessage());
    }
  }

  private void startServer() {
    KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props(), false), Time.SYSTEM);
    try {
      s.startup();
    } catch (RuntimeException e) {
      s.shutdown();
      throw new SplitstreamException("the Kafka broker did not start on 127.0.0.1:" + port + ": " + e.getMessage());
    }
    server = s;
  }

  private void stopServer() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  @Override
  public synchronized void close() {
    stopServer();
    if (deleteOnClose) {
      try (Stream<Path> all = Files.walk(logDir)) {
        all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
