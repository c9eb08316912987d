package io.splitstream.pipeline.kafka;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.EnvelopeException;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.ingest.IngestResult;
import io.splitstream.pipeline.net.ImageInput;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code serve --kafka}: one member of a consumer group that takes frame records (key: stream id,
 * value: a {@link FrameEnvelope}) from the input topic, runs them through an {@link Ingest} (the
 * pipeline) and writes one {@link ResultRecord} per frame record to the output topic.
 *
 * <p><b>One consumer thread</b> owns the {@link KafkaConsumer} and the producer's sends; the
 * pipeline's completions reach it through a queue (the bridge from Kafka's poll loop to Reactor and
 * back).
 *
 * <p><b>At-least-once.</b> A frame is settled once its result record is acknowledged by the broker
 * ({@code acks=all}). The worker commits, per partition, only the contiguous prefix of settled
 * offsets, so whatever was not settled when a worker dies is consumed again by the partition's next
 * owner: nothing is skipped, and a replay writes a second result for the same (stream, seq), which
 * {@link ResultsReader} drops.
 *
 * <p><b>Rebalances.</b> Partitions being revoked drain first: the worker waits (up to the drain
 * timeout) for their frames in flight to settle, commits, then lets them go; the new owner starts at
 * that commit.
 *
 * <p><b>Backpressure.</b> With {@code maxInFlight} frames admitted and not settled the worker pauses
 * all its partitions ({@code KafkaConsumer.pause}) and resumes them when half have settled, so it
 * holds at most {@code 2 x maxInFlight} frames (a poll returns at most {@code maxInFlight}) whatever
 * the topic's backlog; the backlog stays in Kafka, visible as lag.
 *
 * <p><b>Bad records</b> (no envelope, wrong shape, over the size limit, key not the envelope's
 * stream) get a {@code failed} result naming the problem, count as settled, and the worker goes on.
 *
 * <p><b>Duplicates it can know.</b> A record consumed again at an offset this worker has already
 * settled (its result acknowledged), in the partition's current tenure or the one before, is
 * dropped: no second result, counted in {@code splitstream_kafka_duplicates_dropped_total}, settled
 * at once so the commit moves past it. That happens when a partition comes back to the worker
 * from a commit older than what it had settled (a revocation whose drain timed out, the partition
 * lost and reassigned, a commit lost with a broker restart). Memory: one offset range per
 * partition ever owned. Replays of another worker's results (a killed worker's successor) it
 * cannot know; the results reader drops those.
 */
public final class KafkaWorker implements AutoCloseable {
  /**
   * @param name this worker's name in result records and the consumer's client id
   * @param maxInFlight frames admitted and not yet settled before the worker pauses its partitions
   * @param maxRecordBytes the largest frame record value taken; a larger one is a bad record
   * @param sessionTimeout the group's session timeout: how long a silent worker keeps its partitions
   * @param drainTimeout how long revoked partitions wait for their frames in flight
   */
  public record Settings(String bootstrap, String inTopic, String outTopic, String group, String name, int maxInFlight,
      int maxRecordBytes, Duration sessionTimeout, Duration drainTimeout) {
    public Settings {
      if (maxInFlight < 1) {
        throw new SplitstreamException("--credits " + maxInFlight + " is not positive: give at least 1");
      }
      for (String[] s : new String[][] {{"--kafka", bootstrap}, {"--in", inTopic}, {"--out", outTopic}, {"--group", group}}) {
        if (s[1] == null || s[1].isBlank()) {
          throw new SplitstreamException("serve --kafka needs " + s[0] + ": give e.g. --kafka 127.0.0.1:9092 --in frames --out results --group workers");
        }
      }
      if (inTopic.equals(outTopic)) {
        throw new SplitstreamException("--in and --out are both '" + inTopic + "': results go to a topic of their own");
      }
    }

    public Settings withName(String n) {
      return new Settings(bootstrap, inTopic, outTopic, group, n, maxInFlight, maxRecordBytes, sessionTimeout, drainTimeout);
    }
  }

  /** Work for the consumer thread: a result to send, or one the broker acknowledged. */
  private sealed interface Event permits Send, Acked {}

  private record Send(Part part, long offset, ResultRecord result) implements Event {}

  private record Acked(Part part, long offset) implements Event {}

  /**
   * One tenure of a partition: the offsets taken and whether each has settled. Offsets from {@code
   * start} (the first taken) up to {@code next} all have their result acknowledged; late
   * acknowledgements still extend that range after the tenure has ended.
   */
  private static final class Part {
    final TopicPartition tp;
    final int epoch;
    final TreeMap<Long, Boolean> pending = new TreeMap<>();
    long start = -1; // the first offset taken
    long next = -1; // the offset to commit: all below it (from start) settled
    long committed = -1;
    /** The partition's previous tenure on this worker, if any: its settled range counts too. */
    Part prior;

    Part(TopicPartition tp, int epoch, Part prior) {
      this.tp = tp;
      this.epoch = epoch;
      this.prior = prior;
    }

    void take(long offset, boolean settled) {
      if (start < 0) {
        start = offset;
      }
      pending.put(offset, settled);
      advance();
    }

    void settle(long offset) {
      if (pending.replace(offset, Boolean.TRUE) != null) {
        advance();
      }
    }

    private void advance() {
      while (!pending.isEmpty() && pending.firstEntry().getValue()) {
        next = pending.pollFirstEntry().getKey() + 1;
      }
    }

    /** Whether {@code offset} was settled in this tenure or the one before. */
    boolean settledAlready(long offset) {
      return (start >= 0 && offset >= start && offset < next) || (prior != null && prior.settledAlready(offset));
    }

    /**
     * What to remember of this partition once this tenure ends: this tenure, and the prior one only
     * while its range reaches further (replays of it not all consumed yet); at most two ranges.
     */
    Part remembered() {
      if (start < 0) {
        return prior;
      }
      if (prior != null) {
        prior.prior = null;
        if (prior.next <= next) {
          prior = null;
        }
      }
      return this;
    }
  }

  private final Ingest ingest;
  private final Settings settings;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Map<TopicPartition, Part> parts = new HashMap<>();
  /** Each partition's last tenure on this worker that took records, kept after it ended. */
  private final Map<TopicPartition, Part> history = new HashMap<>();
  private final Map<Integer, AtomicLong> lag = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxSeenInFlight = new AtomicInteger();
  private final AtomicLong recordsIn = new AtomicLong();
  private final AtomicLong recordsOut = new AtomicLong();
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong rebalances = new AtomicLong();
  private final AtomicLong badRecords = new AtomicLong();
  private final AtomicLong duplicatesDropped = new AtomicLong();
  private final AtomicLong pauses = new AtomicLong();
  private final MeterRegistry registry;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch assignedOnce = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile boolean killed;
  private volatile Throwable failure;
  /** Tenures of partitions, unique in the process, so workers sharing one pipeline never share a stream name. */
  private static final AtomicInteger EPOCHS = new AtomicInteger();
  private volatile int owned;
  private boolean paused;
  private long lagReadAt = System.nanoTime() - 1_000_000_000L;

  private KafkaWorker(Ingest ingest, Settings settings, MeterRegistry registry) {
    this.ingest = ingest;
    this.settings = settings;
    this.registry = registry;
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.name());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxInFlight()));
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(settings.sessionTimeout().toMillis()));
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(Math.max(100, settings.sessionTimeout().toMillis() / 4)));
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Math.max(1_048_576, settings.maxRecordBytes())));
    this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.name() + "-results");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    String[] tags = {"worker", settings.name()};
    Gauge.builder("splitstream_kafka_in_flight", inFlight, AtomicInteger::get).tags(tags)
        .description("frames taken from Kafka and not yet settled").register(registry);
    Gauge.builder("splitstream_kafka_paused", this, w -> w.paused ? 1 : 0).tags(tags)
        .description("1 while the worker has paused its partitions (backpressure)").register(registry);
    counter("splitstream_kafka_records_in", recordsIn, "frame records consumed", tags);
    counter("splitstream_kafka_records_out", recordsOut, "result records acknowledged by the broker", tags);
    counter("splitstream_kafka_commits", commits, "offset commits that succeeded", tags);
    counter("splitstream_kafka_rebalances", rebalances, "partition assignments received", tags);
    counter("splitstream_kafka_bad_records", badRecords,
        "records answered with a failed result (not an envelope, wrong shape, oversize)", tags);
    counter("splitstream_kafka_duplicates_dropped", duplicatesDropped,
        "records consumed again whose result this worker had written and had acknowledged: dropped, no second result", tags);
    this.thread = new Thread(this::loop, "splitstream-kafka-" + settings.name());
  }

  /** A counter read from {@code value} ({@code NAME_total} in Prometheus). */
  private void counter(String name, AtomicLong value, String description, String... tags) {
    FunctionCounter.builder(name, value, AtomicLong::get).tags(tags).description(description).register(registry);
  }

  /** Joins the group and starts consuming, on a thread of its own. */
  public static KafkaWorker start(Ingest ingest, Settings settings, MeterRegistry registry) {
    KafkaWorker w = new KafkaWorker(ingest, settings, registry);
    w.thread.start();
    return w;
  }

  public String name() {
    return settings.name();
  }

  /** Waits until the worker has been assigned partitions at least once. */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assignedOnce.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public long recordsIn() {
    return recordsIn.get();
  }

  public long recordsOut() {
    return recordsOut.get();
  }

  public long commits() {
    return commits.get();
  }

  public long rebalances() {
    return rebalances.get();
  }

  public long badRecords() {
    return badRecords.get();
  }

  /** Records consumed again whose result this worker had already had acknowledged, dropped. */
  public long duplicatesDropped() {
    return duplicatesDropped.get();
  }

  /** Times the worker paused its partitions because {@code maxInFlight} frames were unsettled. */
  public long pauses() {
    return pauses.get();
  }

  /** The most frames this worker ever held unsettled at once. */
  public int maxInFlight() {
    return maxSeenInFlight.get();
  }

  /** Lag (records behind the end) of each partition this worker owns, as last read. */
  public Map<Integer, Long> lag() {
    Map<Integer, Long> m = new TreeMap<>();
    lag.forEach((k, v) -> {
      if (v.get() >= 0) {
        m.put(k, v.get());
      }
    });
    return m;
  }

  /** Partitions this worker owns now. */
  public int owned() {
    return owned;
  }

  /** What stopped the consumer thread when it was not a close or kill: a bug or a fatal Kafka error. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Stops as a killed process would, from the group's point of view: no drain, no commit; frames in
   * flight are abandoned and their results never counted as settled. (The consumer still leaves the
   * group on close, so the rebalance starts at once instead of after the session timeout.)
   */
  public void kill() {
    killed = true;
    running = false;
    consumer.wakeup();
    await();
  }

  /** Stops consuming, drains the frames in flight, commits and leaves the group. */
  @Override
  public void close() {
    running = false;
    await();
  }

  private void await() {
    try {
      if (!stopped.await(settings.drainTimeout().toMillis() + 30_000, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("worker " + name() + " did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the consumer thread

  private void loop() {
    try {
      consumer.subscribe(List.of(settings.inTopic()), new Listener());
      while (running) {
        ConsumerRecords<String, byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(50));
        } catch (WakeupException e) {
          break;
        }
        for (ConsumerRecord<String, byte[]> r : records) {
          take(r);
        }
        handleEvents(0);
        commit(false, parts.keySet());
        backpressure();
        readLag();
      }
      if (!killed) {
        consumer.pause(consumer.assignment());
        drain(new ArrayList<>(parts.keySet()));
        commit(true, parts.keySet());
      }
    } catch (WakeupException e) {
      // killed while in a Kafka call
    } catch (RuntimeException e) {
      failure = e;
      if (!killed) {
        System.err.println("error: internal failure (a bug): Kafka worker " + name() + " stopped: " + e);
      }
    } finally {
      try {
        consumer.close(Duration.ofSeconds(killed ? 0 : 5));
      } catch (KafkaException e) {
        // closing after a kill: nothing more to do
      }
      producer.close(killed ? Duration.ZERO : Duration.ofSeconds(10));
      stopped.countDown();
    }
  }

  private void take(ConsumerRecord<String, byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    Part part = parts.get(tp);
    if (part == null) {
      return; // not ours any more (cannot happen within one poll)
    }
    recordsIn.incrementAndGet();
    if (part.pending.containsKey(r.offset()) || part.settledAlready(r.offset())) {
      // consumed again: in flight here already, or its result written and acknowledged by this worker
      duplicatesDropped.incrementAndGet();
      if (!part.pending.containsKey(r.offset())) {
        part.take(r.offset(), true);
      }
      return;
    }
    part.take(r.offset(), false);
    maxSeenInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    String key = r.key() == null ? "?" : r.key();
    byte[] value = r.value();
    if (value == null || value.length == 0) {
      bad(part, r, key, -1, "empty", "the record has no value; a frame record's value is a frame envelope");
      return;
    }
    if (value.length > settings.maxRecordBytes()) {
      bad(part, r, key, -1, "oversize", "the record is " + value.length + " bytes, over this worker's limit of "
          + settings.maxRecordBytes() + " bytes (--max-frame-bytes)");
      return;
    }
    FrameEnvelope e;
    try {
      e = FrameEnvelope.decode(ByteBuffer.wrap(value));
    } catch (EnvelopeException x) {
      bad(part, r, key, -1, x.kind(), x.getMessage());
      return;
    }
    if (r.key() != null && !r.key().equals(e.streamId())) {
      bad(part, r, e.streamId(), e.seq(), "key", "the record's key '" + r.key() + "' is not its envelope's stream id '"
          + e.streamId() + "': the key must be the stream id, so a stream stays in one partition");
      return;
    }
    TensorMap tensors;
    try {
      if (e.image().isPresent()) {
        tensors = ImageInput.decode(e.image().get().bytes(), ingest.input());
      } else {
        e.check(ingest.input());
        tensors = e.tensors();
      }
    } catch (EnvelopeException x) {
      bad(part, r, e.streamId(), e.seq(), x.kind(), x.getMessage());
      return;
    }
    long offset = r.offset();
    // the stream id inside the pipeline names the partition's tenure, so a replay on a later owner
    // is a new stream to the pipeline, never an out-of-order one
    Frame frame = Frame.of("p" + tp.partition() + "." + part.epoch + "/" + e.streamId(), e.seq(),
        ingest.clock().now(TimeUnit.NANOSECONDS), tensors);
    try {
      ingest.submit(frame, res -> events.add(new Send(part, offset, outcome(e, res, tp.partition(), offset))));
    } catch (IllegalArgumentException x) {
      bad(part, r, e.streamId(), e.seq(), "duplicate", "frame " + e.seq() + " of stream '" + e.streamId()
          + "' is in the pipeline already (the topic holds it twice)");
    }
  }

  private ResultRecord outcome(FrameEnvelope e, IngestResult r, int partition, long offset) {
    return switch (r.status()) {
      case COMPLETED -> new ResultRecord(e.streamId(), e.seq(), ResultRecord.COMPLETED, ResultRecord.digest(r.outputs()),
          partition, offset, name());
      case SHED -> new ResultRecord(e.streamId(), e.seq(), ResultRecord.SHED, r.reason(), partition, offset, name());
      default -> new ResultRecord(e.streamId(), e.seq(), ResultRecord.FAILED, r.reason(), partition, offset, name());
    };
  }

  private void bad(Part part, ConsumerRecord<String, byte[]> r, String stream, long seq, String kind, String reason) {
    badRecords.incrementAndGet();
    send(new Send(part, r.offset(), new ResultRecord(stream, seq, ResultRecord.FAILED, "bad-record: " + kind + ": " + reason,
        r.partition(), r.offset(), name())));
  }

  private void send(Send s) {
    producer.send(new ProducerRecord<>(settings.outTopic(), s.result().stream(), s.result().toJson()), (md, ex) -> {
      if (ex == null) {
        events.add(new Acked(s.part(), s.offset()));
      } else {
        events.add(s); // not written (e.g. the broker was away past the delivery timeout): write it again
      }
    });
  }

  /** Sends results and applies acknowledgements; waits up to {@code waitMillis} for the first. */
  private void handleEvents(long waitMillis) {
    Event ev;
    try {
      ev = waitMillis > 0 ? events.poll(waitMillis, TimeUnit.MILLISECONDS) : events.poll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    while (ev != null) {
      if (ev instanceof Send s) {
        send(s);
      } else if (ev instanceof Acked a) {
        inFlight.decrementAndGet();
        recordsOut.incrementAndGet();
        a.part().settle(a.offset()); // an ended tenure too: its settled range is what replays are held against
      }
      ev = events.poll();
    }
  }

  private void commit(boolean sync, Collection<TopicPartition> which) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : which) {
      Part p = parts.get(tp);
      if (p != null && p.next > p.committed) {
        offsets.put(tp, new OffsetAndMetadata(p.next));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      try {
        consumer.commitSync(offsets, Duration.ofSeconds(10));
        commits.incrementAndGet();
        offsets.forEach((tp, o) -> parts.get(tp).committed = o.offset());
      } catch (KafkaException e) {
        System.err.println("warning: worker " + name() + " could not commit " + offsets.keySet() + ": " + e.getMessage()
            + "; their frames will be consumed again (at-least-once)");
      }
    } else {
      offsets.forEach((tp, o) -> parts.get(tp).committed = o.offset());
      consumer.commitAsync(offsets, (done, ex) -> {
        if (ex == null) {
          commits.incrementAndGet();
        } else {
          // a later commit covers it; forget this one so it is tried again
          done = offsets;
          done.forEach((tp, o) -> {
            Part p = parts.get(tp);
            if (p != null && p.committed == o.offset()) {
              p.committed = -1;
            }
          });
        }
      });
    }
  }

  private void backpressure() {
    int n = inFlight.get();
    if (!paused && n >= settings.maxInFlight()) {
      paused = true;
      pauses.incrementAndGet();
    } else if (paused && n <= settings.maxInFlight() / 2) {
      paused = false;
      consumer.resume(consumer.paused());
    }
    if (paused) {
      consumer.pause(consumer.assignment()); // also partitions assigned since
    }
  }

  /**
   * Lag per owned partition: its end offset less the worker's position. While paused no fetch
   * brings news of the end, so the end offsets are asked for (twice a second at most).
   */
  private void readLag() {
    long now = System.nanoTime();
    if (now - lagReadAt < 500_000_000L || consumer.assignment().isEmpty()) {
      return;
    }
    lagReadAt = now;
    try {
      Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(1));
      ends.forEach((tp, end) -> {
        if (parts.containsKey(tp)) {
          lagOf(tp.partition()).set(Math.max(0, end - consumer.position(tp, Duration.ofSeconds(1))));
        }
      });
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      // the broker is away: keep the last figures
    }
  }

  private AtomicLong lagOf(int partition) {
    return lag.computeIfAbsent(partition, k -> {
      AtomicLong v = new AtomicLong(-1);
      Gauge.builder("splitstream_kafka_lag", v, AtomicLong::get)
          .tags("worker", settings.name(), "partition", Integer.toString(k))
          .description("records of the partition not yet consumed by this worker (-1: not owned now)").register(registry);
      return v;
    });
  }

  /** Waits for the frames in flight of {@code which} to settle, up to the drain timeout. */
  private void drain(Collection<TopicPartition> which) {
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    while (System.nanoTime() < deadline && which.stream().map(parts::get).anyMatch(p -> p != null && !p.pending.isEmpty())) {
      producer.flush();
      handleEvents(20);
    }
    handleEvents(0);
  }

  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      if (killed) {
        return;
      }
      drain(revoked);
      commit(true, revoked);
      forget(revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      forget(lost); // another worker owns them already: its replay covers what was not settled
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      rebalances.incrementAndGet();
      for (TopicPartition tp : assigned) {
        parts.put(tp, new Part(tp, EPOCHS.incrementAndGet(), history.remove(tp)));
        lagOf(tp.partition());
      }
      owned = parts.size();
      assignedOnce.countDown();
    }

    private void forget(Collection<TopicPartition> which) {
      for (TopicPartition tp : which) {
        Part p = parts.remove(tp);
        Part keep = p == null ? null : p.remembered();
        if (keep != null) {
          history.put(tp, keep);
        }
        lagOf(tp.partition()).set(-1);
      }
      owned = parts.size();
    }
  }
}
