package io.splitstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.ingest.QueueIngest;
import io.splitstream.pipeline.time.NanoClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/**
 * A real {@code kill -9} of a worker process mid-stream. The victim is {@code splitstream serve
 * --kafka} in a JVM of its own (the CLI's main class on this test's classpath), a generated
 * one-Gemm model of 400 nodes wholly on the emulated Adreno 640 in timing-only mode (the profile's
 * per-node overhead makes it about 10 ms a frame, so it is still busy when killed). Two survivors
 * of the same group run in this JVM on a zero-service test queue. The victim is killed with
 * SIGKILL once it has written some results: no drain, no commit, no leaving the group; the group
 * notices after the victim's session timeout (10 s in {@code serve --kafka}) and the survivors
 * resume its partitions from their last commits.
 */
class KafkaWorkerKill9Test {
  private static final String VICTIM = "victim";
  private static final int PARTITIONS = 12;
  private static final int STREAMS = 16;
  private static final int FRAMES = 40;
  private static final TensorSpec INPUT = new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 1024L));

  @TempDir Path tmp;

  @Test
  void aWorkerProcessKilledWithSigkillLosesNothingAndTheOthersResumeItsPartitions() throws Exception {
    long t0 = System.nanoTime();
    Path model = tmp.resolve("one-gemm-400.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.oneHeavyGemm(400, 1), model);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<KafkaWorker> survivors = new ArrayList<>();
    Process victim = null;
    try (KafkaBroker broker = KafkaBroker.startTemporary(PARTITIONS);
        Admin admin = admin(broker)) {
      admin.createTopics(List.of(new NewTopic("frames", PARTITIONS, (short) 1), new NewTopic("results", PARTITIONS, (short) 1)))
          .all().get();
      for (String name : List.of("s1", "s2")) {
        survivors.add(KafkaWorker.start(new QueueIngest(new NanoClock(Schedulers.parallel()), seq -> 0, INPUT),
            new KafkaWorker.Settings(broker.bootstrap(), "frames", "results", "k9", name, 32, 65_536, Duration.ofSeconds(6),
                Duration.ofSeconds(10)), registry));
      }
      Path log = tmp.resolve("victim.log");
      victim = new ProcessBuilder(javaCommand(model, broker.bootstrap())).redirectErrorStream(true).redirectOutput(log.toFile())
          .start();
      Process v = victim;
      // the victim's pipeline is open and its consumer in the group with partitions of its own
      assertThat(KafkaWorkerTest.eventually(Duration.ofSeconds(60), () -> !v.isAlive() || partitionsOf(admin, VICTIM).size() > 0
          && survivors.stream().mapToInt(KafkaWorker::owned).sum() + partitionsOf(admin, VICTIM).size() == PARTITIONS))
          .as(() -> "the victim joined the group; its output: " + read(log)).isTrue();
      assertThat(victim.isAlive()).as(() -> "the victim runs; its output: " + read(log)).isTrue();
      Set<Integer> victimParts = partitionsOf(admin, VICTIM);
      double joined = (System.nanoTime() - t0) / 1e9;

      try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames", FramePublisher.DEFAULT_LIMIT);
          ResultsReader reader = new ResultsReader(broker.bootstrap(), "results")) {
        TensorMap frame = TensorMap.of(INPUT.name(), Tensor.zeros(INPUT.type(), INPUT.shapeArray()));
        KafkaWorkerTest.publish(pub, frame, STREAMS, 0, FRAMES / 2);
        // part of the victim's share settled, the rest still to do
        assertThat(reader.readUntil(r -> r.byWorker().getOrDefault(VICTIM, 0L) >= 20, Duration.ofSeconds(60)))
            .as(() -> "the victim wrote results; its output: " + read(log)).isTrue();

        long killedAt = System.nanoTime();
        double killed = (killedAt - t0) / 1e9;
        victim.destroyForcibly(); // SIGKILL
        assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(victim.exitValue()).as("exit status of a process killed by signal 9").isEqualTo(128 + 9);
        Map<Integer, Long> committedAtKill = committed(admin, victimParts);
        // the streams go on: the victim's partitions have work after the kill
        KafkaWorkerTest.publish(pub, frame, STREAMS, FRAMES / 2, FRAMES);

        // the survivors own every partition once the group has noticed
        assertThat(KafkaWorkerTest.eventually(Duration.ofSeconds(40), () -> survivors.stream().mapToInt(KafkaWorker::owned).sum() == PARTITIONS))
            .isTrue();
        double ownedAfter = (System.nanoTime() - killedAt) / 1e9;
        assertThat(reader.readUntil(r -> r.results().values().stream()
            .anyMatch(x -> victimParts.contains(x.partition()) && !x.worker().equals(VICTIM)), Duration.ofSeconds(30))).isTrue();
        double firstResultAfter = (System.nanoTime() - killedAt) / 1e9;

        assertThat(reader.readUntil(STREAMS * FRAMES, Duration.ofSeconds(60))).isEqualTo(STREAMS * FRAMES);
        // a stream's results share one results partition, in order: once its last frame's result is read,
        // every duplicate of it (a replay comes before the stream's later frames) has been read too
        long survivorsOut = survivors.stream().mapToLong(KafkaWorker::recordsOut).sum();

        // every frame exactly one result after dedup, in order per stream
        assertThat(reader.orderViolations()).isEmpty();
        List<Long> expected = LongStream.range(0, FRAMES).boxed().toList();
        for (int s = 0; s < STREAMS; s++) {
          assertThat(reader.seqs("cam" + s)).as("cam" + s).isEqualTo(expected);
        }
        assertThat(reader.byOutcome()).containsOnlyKeys(ResultRecord.COMPLETED);
        long victimResults = reader.byWorker().getOrDefault(VICTIM, 0L);
        assertThat(victimResults).isLessThan(reader.results().values().stream()
            .filter(x -> victimParts.contains(x.partition())).count()); // it was stopped mid-stream

        // duplicates: only the victim's results, written again by a survivor, and at most those it wrote
        // past its last commit (the survivors start each of its partitions there)
        assertThat(reader.duplicateWriters().keySet()).allSatisfy(k -> assertThat(k).startsWith(VICTIM + ">"));
        long pastCommit = reader.results().values().stream().filter(x -> x.worker().equals(VICTIM)
            && x.offset() >= committedAtKill.getOrDefault(x.partition(), 0L)).count();
        assertThat(reader.duplicates()).isLessThanOrEqualTo(pastCommit);
        // a survivor cannot know the victim's results: none of them is dropped on a worker
        assertThat(survivors).allSatisfy(w -> assertThat(w.duplicatesDropped()).isZero());
        System.out.printf(Locale.ROOT, "kill -9 test: victim (exit %d) owned partitions %s and wrote %d first results of %d"
            + " frames; %d frames without a result; %d duplicates (%s), %d of its results were past its last commit;"
            + " survivors owned all %d partitions %.1f s after the kill, first result on a victim partition %.1f s after"
            + "; survivors wrote %d results; the victim's group joined %.1f s and it was killed %.1f s after the start%n", victim.exitValue(), new TreeSet<>(victimParts), victimResults,
            STREAMS * FRAMES, STREAMS * FRAMES - reader.results().size(), reader.duplicates(), reader.duplicateWriters(),
            pastCommit, PARTITIONS, ownedAfter, firstResultAfter, survivorsOut, joined, killed);
      }
    } finally {
      if (victim != null) {
        victim.destroyForcibly();
      }
      survivors.forEach(KafkaWorker::close);
    }
  }

  /** The CLI's main class in a JVM of its own, java from java.home, this test's classpath. */
  private static List<String> javaCommand(Path model, String bootstrap) {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Xss16m",
        "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "io.splitstream.pipeline.cli.Main",
        "serve", "--kafka", bootstrap, "--in", "frames", "--out", "results", "--group", "k9", "--name", VICTIM,
        "--model", model.toString(), "--soc", "sd855-pixel4", "--split", "0:gpu", "--no-compute-outputs",
        "--duration", "3m");
  }

  private static Admin admin(KafkaBroker broker) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    return Admin.create(p);
  }

  /** Partitions of "frames" assigned to the member whose client id is {@code clientId}, in a stable group. */
  private static Set<Integer> partitionsOf(Admin admin, String clientId) {
    try {
      ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("k9")).all().get().get("k9");
      if (g.groupState() != GroupState.STABLE) {
        return Set.of();
      }
      return g.members().stream().filter(m -> m.clientId().equals(clientId)).map(MemberDescription::assignment)
          .flatMap(a -> a.topicPartitions().stream()).map(TopicPartition::partition).collect(Collectors.toSet());
    } catch (Exception e) {
      return Set.of();
    }
  }

  private static Map<Integer, Long> committed(Admin admin, Set<Integer> partitions) throws Exception {
    Map<Integer, Long> m = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets("k9").partitionsToOffsetAndMetadata().get();
    all.forEach((tp, o) -> {
      if (o != null && partitions.contains(tp.partition())) {
        m.put(tp.partition(), o.offset());
      }
    });
    return m;
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "(none)";
    } catch (java.io.IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
