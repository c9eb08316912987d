package io.splitstream.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import org.junit.jupiter.api.Test;

/** Frames over Kafka's record limit are refused before anything is sent, with the size and the remedy. */
class FramePublisherTest {
  @Test
  void aFrameOverTheOneMebibyteLimitIsRefusedNamingItsSize() {
    // FLOAT32[1,3,320,320] is 1,228,800 bytes of tensor: over 1 MiB
    assertThatThrownBy(() -> FramePublisher.checkSize("cam0", 1_228_800 + 64, FramePublisher.DEFAULT_LIMIT))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("stream 'cam0' is 1228864 bytes, over Kafka's record limit of 1048576 bytes")
        .hasMessageContaining("--input-shape");
  }

  @Test
  void aFrameJustUnderTheLimitWithItsHeadersPasses() {
    assertThatCode(() -> FramePublisher.checkSize("cam0", FramePublisher.DEFAULT_LIMIT - FramePublisher.OVERHEAD - 4,
        FramePublisher.DEFAULT_LIMIT)).doesNotThrowAnyException();
    assertThatThrownBy(() -> FramePublisher.checkSize("cam0", FramePublisher.DEFAULT_LIMIT - FramePublisher.OVERHEAD - 3,
        FramePublisher.DEFAULT_LIMIT)).isInstanceOf(SplitstreamException.class);
  }
}
