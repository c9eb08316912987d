package io.splitstream.pipeline.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameEnvelopeTest {
  private static final TensorSpec SPEC = new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 2L, 3L));

  private static FrameEnvelope sample() {
    return FrameEnvelope.of("cam0", 42, 123_456_789L,
        TensorMap.of("x", Tensor.ofFloats(new long[] {1, 2, 3}, new float[] {1, 2, 3, 4, 5, 6.5f})));
  }

  @Test
  void aFrameSurvivesTheRoundTrip() {
    FrameEnvelope back = FrameEnvelope.decode(ByteBuffer.wrap(sample().encode()));
    assertThat(back.streamId()).isEqualTo("cam0");
    assertThat(back.seq()).isEqualTo(42);
    assertThat(back.captureNanos()).isEqualTo(123_456_789L);
    assertThat(back.tensors().get("x").shape()).containsExactly(1, 2, 3);
    assertThat(back.tensors().get("x").floats()).containsExactly(1, 2, 3, 4, 5, 6.5f);
    back.check(SPEC);
  }

  @Test
  void anImageSurvivesTheRoundTrip() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    FrameEnvelope back = FrameEnvelope.decode(ByteBuffer.wrap(FrameEnvelope.ofImage("s", 0, 5, "png", png).encode()));
    assertThat(back.image()).isPresent();
    assertThat(back.image().get().format()).isEqualTo("png");
    assertThat(back.image().get().bytes()).containsExactly(png);
  }

  private static String kindOf(byte[] bytes) {
    try {
      FrameEnvelope.decode(ByteBuffer.wrap(bytes));
      return "none";
    } catch (EnvelopeException e) {
      return e.kind();
    }
  }

  @Test
  void everyStructuralFaultIsNamed() {
    byte[] good = sample().encode();
    assertThat(kindOf(Arrays.copyOf(good, good.length - 5))).isEqualTo("truncated");
    assertThat(kindOf(Arrays.copyOf(good, 3))).isEqualTo("truncated");
    byte[] garbage = good.clone();
    garbage[0] = 'G';
    assertThat(kindOf(garbage)).isEqualTo("garbage");
    byte[] version = good.clone();
    version[4] = 9;
    assertThat(kindOf(version)).isEqualTo("version");
    assertThat(kindOf(Arrays.copyOf(good, good.length + 2))).isEqualTo("trailing");
    // element type code: after magic, version, stream id (2 + 4), seq, capture, kind, count, name (2 + 1)
    int typeAt = 4 + 1 + 6 + 8 + 8 + 1 + 2 + 3;
    byte[] type = good.clone();
    type[typeAt] = 99;
    assertThat(kindOf(type)).isEqualTo("element-type");
    byte[] rank = good.clone();
    rank[typeAt + 1] = 2; // the data no longer fits the shape read
    assertThat(kindOf(rank)).isIn("tensor-size", "truncated");
    byte[] payload = good.clone();
    payload[4 + 1 + 6 + 8 + 8] = 7;
    assertThat(kindOf(payload)).isEqualTo("payload-kind");
  }

  @Test
  void aTensorWhoseBytesDoNotFitItsShapeIsRefused() {
    ByteBuffer b = ByteBuffer.allocate(64);
    FrameEnvelope.putString(b, "x");
    b.put((byte) 1).put((byte) 1).putLong(4).putInt(8); // FLOAT32[4] needs 16 bytes, says 8
    b.put(new byte[8]).flip();
    assertThatThrownBy(() -> FrameEnvelope.getTensors(ByteBuffer.wrap(withCount(b))))
        .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.kind()).isEqualTo("tensor-size"));
  }

  private static byte[] withCount(ByteBuffer tensor) {
    ByteBuffer out = ByteBuffer.allocate(2 + tensor.remaining());
    out.putShort((short) 1).put(tensor);
    return out.array();
  }

  @Test
  void theModelCheckNamesNameTypeAndShape() {
    assertThatThrownBy(() -> FrameEnvelope.of("s", 0, 0, TensorMap.of("y", Tensor.zeros(ElementType.FLOAT32, new long[] {1, 2, 3})))
        .check(SPEC)).isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.kind()).isEqualTo("wrong-name"));
    assertThatThrownBy(() -> FrameEnvelope.of("s", 0, 0, TensorMap.of("x", Tensor.zeros(ElementType.INT32, new long[] {1, 2, 3})))
        .check(SPEC)).isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.kind()).isEqualTo("wrong-type"));
    assertThatThrownBy(() -> FrameEnvelope.of("s", 0, 0, TensorMap.of("x", Tensor.zeros(ElementType.FLOAT32, new long[] {1, 3, 2})))
        .check(SPEC)).isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.kind()).isEqualTo("wrong-shape"));
  }
}
