package io.splitstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.ingest.QueueIngest;
import io.splitstream.pipeline.time.NanoClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Workers against one real single-node KRaft broker on 127.0.0.1, shared by the class; a topic per test. */
class KafkaWorkerTest {
  private static KafkaBroker broker;
  private static Admin admin;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.startTemporary(4);
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    admin = Admin.create(p);
  }

  @AfterAll
  static void stop() {
    admin.close();
    broker.close();
  }

  static void topics(int partitions, String... names) throws Exception {
    List<NewTopic> t = new ArrayList<>();
    for (String n : names) {
      t.add(new NewTopic(n, partitions, (short) 1));
    }
    admin.createTopics(t).all().get();
  }

  static KafkaWorker.Settings settings(String in, String out, String name, int maxInFlight, int maxRecordBytes) {
    return settings(in, out, name, maxInFlight, maxRecordBytes, Duration.ofSeconds(10));
  }

  static KafkaWorker.Settings settings(String in, String out, String name, int maxInFlight, int maxRecordBytes,
      Duration drainTimeout) {
    return new KafkaWorker.Settings(broker.bootstrap(), in, out, "g-" + in, name, maxInFlight, maxRecordBytes,
        Duration.ofSeconds(6), drainTimeout);
  }

  /**
   * Service time 0: each completion is scheduled with no delay, so they run in submission order. (With
   * sub-millisecond delays a preempted submitter on a loaded host can schedule a later frame's
   * completion before an earlier one's, and the test queue itself reorders a stream.)
   */
  static QueueIngest quick() {
    return new QueueIngest(new NanoClock(Schedulers.parallel()), seq -> 0);
  }

  /** Waits for {@code condition}, checking on a Reactor timer; false if it did not hold within {@code timeout}. */
  static boolean eventually(Duration timeout, BooleanSupplier condition) {
    return io.splitstream.pipeline.Eventually.holds(timeout, Duration.ofMillis(20), condition);
  }

  static void publish(FramePublisher pub, int streams, int frames) {
    publish(pub, QueueIngest.sample(), streams, 0, frames);
  }

  /** Frames {@code from} until {@code to} of streams cam0, cam1, ..., all {@code frame}, round robin. */
  static void publish(FramePublisher pub, TensorMap frame, int streams, int from, int to) {
    for (int seq = from; seq < to; seq++) {
      for (int s = 0; s < streams; s++) {
        pub.publish(FrameEnvelope.of("cam" + s, seq, 0, frame));
      }
    }
    pub.flush();
  }

  static void assertEveryFrameOnceInOrder(ResultsReader reader, int streams, int frames) {
    assertThat(reader.results()).hasSize(streams * frames);
    assertThat(reader.orderViolations()).isEmpty();
    List<Long> expected = LongStream.range(0, frames).boxed().toList();
    for (int s = 0; s < streams; s++) {
      assertThat(reader.seqs("cam" + s)).as("cam" + s).isEqualTo(expected);
    }
    assertThat(reader.byOutcome()).containsOnlyKeys(ResultRecord.COMPLETED);
  }

  @Test
  void threeWorkersOnTwelvePartitionsGiveEveryFrameOfSixteenStreamsOneResultInOrder() throws Exception {
    topics(12, "frames-a", "results-a");
    int streams = 16;
    int frames = 40;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<KafkaWorker> workers = new ArrayList<>();
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames-a", FramePublisher.DEFAULT_LIMIT);
        ResultsReader reader = new ResultsReader(broker.bootstrap(), "results-a")) {
      for (int i = 0; i < 3; i++) {
        workers.add(KafkaWorker.start(quick(), settings("frames-a", "results-a", "w" + i, 32, 65_536), registry));
      }
      for (KafkaWorker w : workers) {
        assertThat(w.awaitAssignment(Duration.ofSeconds(30))).isTrue();
      }
      publish(pub, streams, frames);
      assertThat(reader.readUntil(streams * frames, Duration.ofSeconds(60))).isEqualTo(streams * frames);
      assertEveryFrameOnceInOrder(reader, streams, frames);
      // partitions revoked while workers joined were drained and committed first: no replays
      assertThat(reader.duplicates()).isZero();
      assertThat(workers.stream().mapToLong(KafkaWorker::recordsIn).sum()).isEqualTo(streams * frames);
      assertThat(workers).allSatisfy(w -> {
        assertThat(w.recordsIn()).as(w.name() + " took a share").isPositive();
        assertThat(w.rebalances()).isPositive();
      });
      assertThat(eventually(Duration.ofSeconds(10), () -> workers.stream().allMatch(w -> w.commits() > 0))).isTrue();
      assertThat(eventually(Duration.ofSeconds(10), () -> committed("g-frames-a") == streams * frames)).isTrue();
      assertThat(eventually(Duration.ofSeconds(10),
          () -> workers.stream().flatMap(w -> w.lag().values().stream()).mapToLong(Long::longValue).sum() == 0
              && workers.stream().mapToInt(w -> w.lag().size()).sum() == 12)).isTrue();
      String scrape = registry.scrape();
      assertThat(scrape).contains("splitstream_kafka_lag{partition=\"11\"", "splitstream_kafka_records_in_total{worker=\"w0\"}",
          "splitstream_kafka_commits_total", "splitstream_kafka_rebalances_total",
          "splitstream_kafka_duplicates_dropped_total{worker=\"w0\"} 0.0");
    } finally {
      workers.forEach(KafkaWorker::close);
    }
  }

  static long committed(String group) {
    try {
      Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      return m.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void aKilledWorkerLosesNothingAndItsReplaysAreCountedAsDuplicates() throws Exception {
    topics(4, "frames-b", "results-b");
    int streams = 8;
    int frames = 25;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    QueueIngest held = quick().hold();
    KafkaWorker victim = KafkaWorker.start(held, settings("frames-b", "results-b", "victim", 16, 65_536), registry);
    KafkaWorker heir = null;
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames-b", FramePublisher.DEFAULT_LIMIT);
        ResultsReader reader = new ResultsReader(broker.bootstrap(), "results-b")) {
      assertThat(victim.awaitAssignment(Duration.ofSeconds(30))).isTrue();
      publish(pub, streams, frames);
      held.whenWaiting(16).get(30, java.util.concurrent.TimeUnit.SECONDS);
      held.release(10); // some results written, the rest in flight
      assertThat(eventually(Duration.ofSeconds(10), () -> victim.recordsOut() == 10)).isTrue();
      victim.kill();
      heir = KafkaWorker.start(quick(), settings("frames-b", "results-b", "heir", 16, 65_536), registry);
      assertThat(reader.readUntil(streams * frames, Duration.ofSeconds(60))).isEqualTo(streams * frames);
      reader.readFor(Duration.ofMillis(300));
      assertEveryFrameOnceInOrder(reader, streams, frames);
      // every result record written is either the first for its frame or a counted duplicate
      assertThat(reader.results().size() + reader.duplicates()).isEqualTo(victim.recordsOut() + heir.recordsOut());
      assertThat(heir.recordsIn()).isGreaterThan(streams * frames - victim.recordsIn());
    } finally {
      if (heir != null) {
        heir.close();
      }
    }
  }

  /**
   * The owner's drain times out on a revocation with 10 frames held; their results are written
   * after the heir took the partition (at the commit, 10). The heir holds what it took and is
   * killed, so the partition comes back to the owner at offset 10 again: the owner recognises
   * offsets 10..19 as settled by itself and drops them instead of writing second results (the
   * replays would otherwise wait in its held queue, and the commit would never reach 20).
   */
  @Test
  void aWorkerDropsReplaysOfRecordsWhoseResultItHadHadAcknowledged() throws Exception {
    topics(1, "frames-e", "results-e");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    QueueIngest ownerQueue = quick().hold();
    QueueIngest heirQueue = quick().hold();
    // member ids start with the client id and the range assignor gives a lone partition to the
    // first member by id: "w1-heir" takes it from "w2-owner" while both are in the group
    KafkaWorker owner = KafkaWorker.start(ownerQueue, settings("frames-e", "results-e", "w2-owner", 32, 65_536,
        Duration.ofSeconds(1)), registry);
    KafkaWorker heir = null;
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames-e", FramePublisher.DEFAULT_LIMIT);
        ResultsReader reader = new ResultsReader(broker.bootstrap(), "results-e")) {
      assertThat(owner.awaitAssignment(Duration.ofSeconds(30))).isTrue();
      publish(pub, 1, 20);
      ownerQueue.whenWaiting(20).get(30, java.util.concurrent.TimeUnit.SECONDS);
      ownerQueue.release(10);
      assertThat(eventually(Duration.ofSeconds(10), () -> committed("g-frames-e") == 10)).isTrue();

      heir = KafkaWorker.start(heirQueue, settings("frames-e", "results-e", "w1-heir", 32, 65_536, Duration.ofSeconds(1)),
          registry);
      heirQueue.whenWaiting(10).get(30, java.util.concurrent.TimeUnit.SECONDS); // it took 10..19 from the commit
      assertThat(owner.owned()).isZero();
      ownerQueue.release(10); // the owner's late results for 10..19, acknowledged after its tenure ended
      assertThat(eventually(Duration.ofSeconds(10), () -> owner.recordsOut() == 20)).isTrue();

      heir.kill(); // nothing settled, nothing committed: the partition goes back to the owner at 10
      assertThat(eventually(Duration.ofSeconds(30), () -> owner.duplicatesDropped() == 10)).as(
          () -> "dropped " + owner.duplicatesDropped() + ", in " + owner.recordsIn() + ", queued " + ownerQueue.waiting()).isTrue();
      assertThat(eventually(Duration.ofSeconds(10), () -> committed("g-frames-e") == 20)).isTrue();
      assertThat(ownerQueue.waiting()).as("no replay went into the pipeline").isZero();
      assertThat(owner.recordsOut()).isEqualTo(20);
      assertThat(reader.readUntil(20, Duration.ofSeconds(30))).isEqualTo(20);
      assertEveryFrameOnceInOrder(reader, 1, 20);
      assertThat(reader.duplicates()).isZero();
      assertThat(registry.scrape()).contains("splitstream_kafka_duplicates_dropped_total{worker=\"w2-owner\"} 10.0",
          "splitstream_kafka_duplicates_dropped_total{worker=\"w1-heir\"} 0.0");
    } finally {
      ownerQueue.release(1000);
      owner.close();
    }
  }

  /** {@code serve --kafka} in this JVM, stopped by its --duration: drains, commits, prints its counts and audit. */
  @Test
  void serveKafkaStopsAfterItsDurationWithItsCountsAndTheAudit(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    topics(2, "frames-f", "results-f");
    java.nio.file.Path model = dir.resolve("one-gemm.onnx");
    io.splitstream.devices.onnx.gen.OnnxModelGenerator.write(io.splitstream.devices.onnx.gen.OnnxModelGenerator.oneHeavyGemm(3, 1),
        model);
    TensorMap x = TensorMap.of("x", Tensor.zeros(ElementType.FLOAT32, new long[] {1, 1024}));
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames-f", FramePublisher.DEFAULT_LIMIT)) {
      publish(pub, x, 2, 0, 5);
    }
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = io.splitstream.pipeline.cli.Main.execute(new String[] {"serve", "--kafka", broker.bootstrap(), "--in", "frames-f",
        "--out", "results-f", "--group", "g-frames-f", "--name", "cli", "--model", model.toString(), "--soc", "sd855-pixel4",
        "--split", "0:gpu", "--no-compute-outputs", "--duration", "5s"}, new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("consuming 'frames-f'")
        .contains("kafka worker cli: 10 records in, 10 results out, 0 bad, ")
        .contains("0 replays of its own results dropped").contains("audit: audit passed: 10 offered");
    assertThat(committed("g-frames-f")).isEqualTo(10);
    try (ResultsReader reader = new ResultsReader(broker.bootstrap(), "results-f")) {
      assertThat(reader.readUntil(10, Duration.ofSeconds(10))).isEqualTo(10);
      assertThat(reader.byWorker()).containsOnlyKeys("cli");
    }
  }

  @Test
  void badRecordsGetAFailedResultNamingTheProblemAndTheWorkerGoesOn() throws Exception {
    topics(1, "frames-c", "results-c");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KafkaWorker w = KafkaWorker.start(quick(), settings("frames-c", "results-c", "w", 8, 4096), registry);
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames-c", FramePublisher.DEFAULT_LIMIT);
        ResultsReader reader = new ResultsReader(broker.bootstrap(), "results-c")) {
      assertThat(w.awaitAssignment(Duration.ofSeconds(30))).isTrue();
      pub.publish(FrameEnvelope.of("cam0", 0, 0, QueueIngest.sample()));
      pub.publishRaw("cam0", "hello, not a frame".getBytes(StandardCharsets.UTF_8));
      pub.publish(FrameEnvelope.of("cam0", 2, 0, TensorMap.of("x", Tensor.of(ElementType.FLOAT32, new long[] {1, 5},
          ByteBuffer.allocate(20)))));
      pub.publish(FrameEnvelope.of("cam0", 3, 0, TensorMap.of("x", Tensor.of(ElementType.FLOAT32, new long[] {1, 2000},
          ByteBuffer.allocate(8000)))));
      pub.publishRaw("cam9", FrameEnvelope.of("cam0", 4, 0, QueueIngest.sample()).encode());
      pub.publish(FrameEnvelope.of("cam0", 5, 0, QueueIngest.sample()));
      pub.flush();
      assertThat(reader.readUntil(6, Duration.ofSeconds(30))).isEqualTo(6);
      Map<Long, String> byOffset = new java.util.TreeMap<>();
      reader.results().values().forEach(r -> byOffset.put(r.offset(), r.outcome() + " " + r.detail()));
      assertThat(byOffset.get(0L)).startsWith("completed sha256:");
      assertThat(byOffset.get(1L)).startsWith("failed bad-record: garbage: not a frame envelope");
      assertThat(byOffset.get(2L)).startsWith("failed bad-record: wrong-shape:").contains("[1, 5]");
      assertThat(byOffset.get(3L)).startsWith("failed bad-record: oversize:").contains("limit of 4096 bytes");
      assertThat(byOffset.get(4L)).startsWith("failed bad-record: key:").contains("'cam9'");
      assertThat(byOffset.get(5L)).startsWith("completed sha256:");
      assertThat(w.badRecords()).isEqualTo(4);
      assertThat(eventually(Duration.ofSeconds(10), () -> committed("g-frames-c") == 6)).isTrue();
    } finally {
      w.close();
    }
  }

  @Test
  void aWorkerThatFallsBehindPausesItsPartitionsAndShowsTheLag() throws Exception {
    topics(2, "frames-d", "results-d");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    QueueIngest held = quick().hold();
    KafkaWorker w = KafkaWorker.start(held, settings("frames-d", "results-d", "slow", 8, 65_536), registry);
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames-d", FramePublisher.DEFAULT_LIMIT);
        ResultsReader reader = new ResultsReader(broker.bootstrap(), "results-d")) {
      assertThat(w.awaitAssignment(Duration.ofSeconds(30))).isTrue();
      publish(pub, 4, 50);
      assertThat(eventually(Duration.ofSeconds(20), () -> w.pauses() > 0
          && w.lag().values().stream().mapToLong(Long::longValue).sum() >= 200 - 16))
          .as(() -> "pauses " + w.pauses() + ", lag " + w.lag() + ", in " + w.recordsIn() + ", max in flight " + w.maxInFlight())
          .isTrue();
      assertThat(w.maxInFlight()).isLessThanOrEqualTo(16);
      assertThat(w.recordsIn()).isLessThanOrEqualTo(16);
      // released, it catches up and every frame gets its result
      Long done = Flux.interval(Duration.ZERO, Duration.ofMillis(10)).doOnNext(i -> held.release(64))
          .filter(i -> w.recordsOut() >= 200).next().timeout(Duration.ofSeconds(30), reactor.core.publisher.Mono.empty()).block();
      assertThat(done).isNotNull();
      assertThat(reader.readUntil(200, Duration.ofSeconds(30))).isEqualTo(200);
      assertThat(w.maxInFlight()).isLessThanOrEqualTo(16);
    } finally {
      held.release(1000);
      w.close();
    }
  }
}
