package io.splitstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.pipeline.ingest.QueueIngest;
import io.splitstream.pipeline.time.NanoClock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** The broker restarted mid-stream (own broker: the restart would disturb other tests). */
class KafkaBrokerRestartTest {
  private static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.startTemporary(4);
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic("frames", 4, (short) 1), new NewTopic("results", 4, (short) 1))).all().get();
    }
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void workersReconnectAfterABrokerRestartAndNothingIsLost() throws Exception {
    int streams = 8;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<KafkaWorker> workers = List.of(0, 1).stream().map(i -> KafkaWorker.start(
        new QueueIngest(new NanoClock(Schedulers.parallel()), seq -> 0),
        new KafkaWorker.Settings(broker.bootstrap(), "frames", "results", "g", "w" + i, 16, 65_536, Duration.ofSeconds(6),
            Duration.ofSeconds(10)), registry)).toList();
    try {
      for (KafkaWorker w : workers) {
        assertThat(w.awaitAssignment(Duration.ofSeconds(30))).isTrue();
      }
      try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames", FramePublisher.DEFAULT_LIMIT)) {
        KafkaWorkerTest.publish(pub, QueueIngest.sample(), streams, 0, 20);
        try (ResultsReader before = new ResultsReader(broker.bootstrap(), "results")) {
          assertThat(before.readUntil(streams * 20, Duration.ofSeconds(30))).isEqualTo(streams * 20);
        }
        broker.restart();
        KafkaWorkerTest.publish(pub, QueueIngest.sample(), streams, 20, 40);
      }
      try (ResultsReader reader = new ResultsReader(broker.bootstrap(), "results")) {
        assertThat(reader.readUntil(streams * 40, Duration.ofSeconds(90))).isEqualTo(streams * 40);
        assertThat(reader.orderViolations()).isEmpty();
        List<Long> expected = LongStream.range(0, 40).boxed().toList();
        for (int s = 0; s < streams; s++) {
          assertThat(reader.seqs("cam" + s)).isEqualTo(expected);
        }
        assertThat(reader.byOutcome()).containsOnlyKeys(ResultRecord.COMPLETED);
      }
      assertThat(workers).allSatisfy(w -> assertThat(w.failure()).isNull());
    } finally {
      workers.forEach(KafkaWorker::close);
    }
  }
}
