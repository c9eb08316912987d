package io.splitstream.pipeline.kafka;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.frame.FrameEnvelope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code loadgen --kafka}'s producer: writes each frame as one record, key the stream id (so a
 * stream stays in one partition, in order), value its {@link FrameEnvelope}. Idempotent with
 * {@code acks=all}, so a retried send is not written twice.
 *
 * <p><b>Size limit.</b> Kafka takes records up to 1 MiB by default ({@code max.request.size} of the
 * producer, {@code message.max.bytes} of the broker). A frame whose record would be larger is
 * refused before it is sent, with an error naming its size and the remedy (a smaller input, or an
 * encoded-image envelope); it is not compressed or re-encoded behind the user's back.
 */
public final class FramePublisher implements AutoCloseable {
  /** Kafka's default record limit, 1 MiB. */
  public static final int DEFAULT_LIMIT = 1_048_576;
  /** Room for the record's and its batch's headers within the limit. */
  static final int OVERHEAD = 256;

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final int limit;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  public FramePublisher(String bootstrap, String topic, int limit) {
    if (topic == null || topic.isBlank()) {
      throw new SplitstreamException("loadgen --kafka needs --topic: give e.g. --topic frames");
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(limit));
    // a backlog sent at once on a loaded host can wait in the producer longer than the default 2 minutes
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000");
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.limit = limit;
  }

  /** Checks that a frame of {@code valueBytes} fits one record; throws the user's error if not. */
  public static void checkSize(String streamId, long valueBytes, int limit) {
    long size = valueBytes + streamId.getBytes(StandardCharsets.UTF_8).length + OVERHEAD;
    if (size > limit) {
      throw new SplitstreamException("a frame of stream '" + streamId + "' is " + valueBytes + " bytes, over Kafka's record limit of "
          + limit + " bytes (1 MiB by default: message.max.bytes, max.request.size): use a smaller input (--input-shape) or raise "
          + "both limits on the broker and with --max-record-bytes");
    }
  }

  /** Sends one frame (asynchronously; {@link #close} waits for all). */
  public void publish(FrameEnvelope e) {
    byte[] value = e.encode();
    checkSize(e.streamId(), value.length, limit);
    Exception f = failure.get();
    if (f != null) {
      throw new SplitstreamException("Kafka did not take a frame: " + f.getMessage());
    }
    producer.send(new ProducerRecord<>(topic, e.streamId(), value), (md, ex) -> {
      if (ex != null) {
        failure.compareAndSet(null, ex);
      } else {
        sent.incrementAndGet();
      }
    });
  }

  /** Sends raw bytes as a record (tests: records that are not frames). */
  public void publishRaw(String key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, key, value));
  }

  /** Frames the broker acknowledged. */
  public long sent() {
    return sent.get();
  }

  public void flush() {
    producer.flush();
    Exception f = failure.get();
    if (f != null) {
      throw new SplitstreamException("Kafka did not take a frame: " + f.getMessage());
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }
}
