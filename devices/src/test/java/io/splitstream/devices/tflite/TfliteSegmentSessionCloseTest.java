package io.splitstream.devices.tflite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.CloseRace;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.tensor.TensorMap;
import org.junit.jupiter.api.Test;

/** Closing a TFLite interpreter while runs are in flight, or from many threads at once. */
class TfliteSegmentSessionCloseTest {
  private final Segment segment = TfliteModel.load(TestModels.path("face-short")).whole();
  private final TensorMap inputs = ProcessorContract.randomInputs(segment, 3);
  private final TensorMap reference = TfliteReference.run(segment, inputs, 1);

  @Test
  void runsRacingACloseCompleteCorrectlyOrAreRefusedAsClosed() throws InterruptedException {
    for (int round = 0; round < 10; round++) {
      TfliteSegmentSession session = TfliteSegmentSession.open(segment, 1, "tflite");
      CloseRace.Outcome o = CloseRace.runsAgainstClose(4, () -> session.run(inputs), out -> {
        for (String n : reference.names()) {
          assertThat(out.get(n).maxAbsDiff(reference.get(n))).as(n).isLessThanOrEqualTo(1e-5);
        }
      }, session::close, segment.label());
      assertThat(o.unexpected()).as("round %d", round).isEmpty();
      assertThat(o.refused()).isEqualTo(4);
    }
  }

  @Test
  void closeFromEightThreadsAtOnceFreesOnce() throws InterruptedException {
    for (int round = 0; round < 50; round++) {
      TfliteSegmentSession session = TfliteSegmentSession.open(segment, 1, "tflite");
      assertThat(CloseRace.closeAtOnce(8, session::close)).as("round %d", round).isEmpty();
      assertThatThrownBy(() -> session.run(inputs)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(segment.label()).hasMessageContaining("closed");
    }
  }
}
