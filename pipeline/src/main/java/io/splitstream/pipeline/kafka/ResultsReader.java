package io.splitstream.pipeline.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a results topic from its beginning (no group, every partition) and keeps the first result
 * of each (stream, seq): a later one is a duplicate written by a replay after a worker died or a
 * commit was lost, and is dropped and counted. It also checks that, per stream, first results come
 * in sequence order (a stream's results share one partition, so this is the order workers wrote).
 *
 * <p>The duplicates it counts are the ones written twice: a frame replayed on another worker (the
 * successor of a worker that died or lost its partitions before committing), or replayed on the
 * same worker before its first result was acknowledged. A replay whose result the worker had
 * already had acknowledged is dropped by the worker itself and never reaches this topic
 * ({@code splitstream_kafka_duplicates_dropped_total}).
 */
public final class ResultsReader implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final Map<String, ResultRecord> first = new LinkedHashMap<>();
  private final Map<String, Long> lastSeq = new HashMap<>();
  private final Map<String, Long> byOutcome = new TreeMap<>();
  private final List<String> orderViolations = new ArrayList<>();
  private final Map<String, Long> duplicateWriters = new TreeMap<>();
  private long duplicates;
  private long unreadable;
  private boolean assigned;

  public ResultsReader(String bootstrap, String topic) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
  }

  /** Reads until {@code distinct} distinct frames have a result or {@code timeout} passes; returns the count reached. */
  public long readUntil(long distinct, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (first.size() < distinct && System.nanoTime() < deadline) {
      poll();
    }
    return first.size();
  }

  /** Reads until {@code done} holds for this reader or {@code timeout} passes; returns whether it held. */
  public boolean readUntil(Predicate<ResultsReader> done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(this)) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      poll();
    }
    return true;
  }

  /** Reads whatever arrives during {@code d} (to catch late duplicates). */
  public void readFor(Duration d) {
    long deadline = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < deadline) {
      poll();
    }
  }

  private void poll() {
    if (!assigned) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos == null || infos.isEmpty()) {
        return;
      }
      consumer.assign(infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList());
      consumer.seekToBeginning(consumer.assignment());
      assigned = true;
    }
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
      ResultRecord res;
      try {
        res = ResultRecord.fromJson(r.value());
      } catch (IllegalArgumentException e) {
        unreadable++;
        continue;
      }
      ResultRecord had = first.putIfAbsent(res.frameKey(), res);
      if (had != null) {
        duplicates++;
        duplicateWriters.merge(had.worker() + ">" + res.worker(), 1L, Long::sum);
        continue;
      }
      byOutcome.merge(res.outcome(), 1L, Long::sum);
      if (res.seq() >= 0) {
        Long last = lastSeq.put(res.stream(), res.seq());
        if (last != null && res.seq() < last) {
          orderViolations.add(res.stream() + ": " + res.seq() + " after " + last);
        }
      }
    }
  }

  /** The first result of each (stream, seq), in the order read. */
  public Map<String, ResultRecord> results() {
    return first;
  }

  /** Results dropped because their (stream, seq) had one already. */
  public long duplicates() {
    return duplicates;
  }

  /**
   * Duplicates by who wrote the first result and who wrote the dropped one: {@code FIRST>AGAIN}
   * (e.g. {@code w1>w2}: w2 replayed frames w1 had written a result for) to the count.
   */
  public Map<String, Long> duplicateWriters() {
    return duplicateWriters;
  }

  /** Records of the topic that were not result records. */
  public long unreadable() {
    return unreadable;
  }

  public Map<String, Long> byOutcome() {
    return byOutcome;
  }

  /** Streams whose first results did not come in sequence order. */
  public List<String> orderViolations() {
    return orderViolations;
  }

  /** First results per worker that wrote them. */
  public Map<String, Long> byWorker() {
    Map<String, Long> m = new TreeMap<>();
    first.values().forEach(r -> m.merge(r.worker(), 1L, Long::sum));
    return m;
  }

  /** The seqs of one stream's results, in the order read. */
  public List<Long> seqs(String stream) {
    return first.values().stream().filter(r -> r.stream().equals(stream)).map(ResultRecord::seq).toList();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
