package io.splitstream.devices.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.splitstream.devices.processor.CloseRace;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.ProcessorContract.Sample;
import org.junit.jupiter.api.Test;

/** Closing an ONNX Runtime session while runs are in flight, or from many threads at once. */
class OrtSegmentSessionCloseTest {
  private final Sample sample = ProcessorContract.tinyOnnxSample();

  private OrtSegmentSession open() {
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      return OrtSegmentSession.open(sample.segment(), o, "cpu");
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void runsRacingACloseCompleteCorrectlyOrAreRefusedAsClosed() throws InterruptedException {
    for (int round = 0; round < 10; round++) {
      OrtSegmentSession session = open();
      CloseRace.Outcome o = CloseRace.runsAgainstClose(4, () -> session.run(sample.inputs()),
          out -> assertThat(out.get("y").maxAbsDiff(sample.reference().get("y"))).isLessThanOrEqualTo(1e-5),
          session::close, sample.segment().label());
      assertThat(o.unexpected()).as("round %d", round).isEmpty();
      assertThat(o.refused()).isEqualTo(4);
    }
  }

  @Test
  void closeFromEightThreadsAtOnceFreesOnce() throws InterruptedException {
    for (int round = 0; round < 50; round++) {
      OrtSegmentSession session = open();
      assertThat(CloseRace.closeAtOnce(8, session::close)).as("round %d", round).isEmpty();
      assertThatThrownBy(() -> session.run(sample.inputs())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(sample.segment().label()).hasMessageContaining("closed");
    }
  }
}
