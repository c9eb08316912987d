package io.splitstream.pipeline.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.FrameEnvelope;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The value of one result record a worker writes to the results topic, as JSON (readable with
 * {@code kafka-console-consumer}); the record's key is the stream id, so a stream's results stay
 * in one partition, in order. One per frame record consumed, whatever became of it.
 *
 * @param stream the frame's stream id ({@code ?} when the record was not an envelope and had no key)
 * @param seq its sequence number in the stream; -1 when unknown (not an envelope)
 * @param outcome {@code completed}, {@code shed}, {@code failed}
 * @param detail completed: the SHA-256 of the outputs' bytes (in the envelope's tensor encoding);
 *     shed: the policy's reason; failed: the cause, starting with its kind (e.g. {@code
 *     bad-record: garbage: ...})
 * @param partition the frame record's partition, {@code offset} its offset
 * @param worker the worker that settled it
 */
public record ResultRecord(String stream, long seq, String outcome, String detail, int partition, long offset,
    String worker) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static final String COMPLETED = "completed";
  public static final String SHED = "shed";
  public static final String FAILED = "failed";

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ResultRecord fromJson(byte[] value) {
    try {
      return JSON.readValue(value, ResultRecord.class);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a result record: " + new String(value, 0, Math.min(value.length, 80),
          StandardCharsets.UTF_8), e);
    }
  }

  /**
   * The (stream, seq) pair duplicates share; for a record that was not an envelope (seq -1) its
   * partition and offset, which a replay shares too.
   */
  public String frameKey() {
    return seq >= 0 ? stream + "#" + seq : stream + "#@" + partition + ":" + offset;
  }

  /** SHA-256 (hex) of {@code outputs} in the envelope's tensor encoding. */
  public static String digest(TensorMap outputs) {
    ByteBuffer b = ByteBuffer.allocate(FrameEnvelope.tensorsSize(outputs));
    FrameEnvelope.putTensors(b, outputs);
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
