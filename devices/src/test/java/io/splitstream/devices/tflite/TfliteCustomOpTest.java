package io.splitstream.devices.tflite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.processor.UnsupportedOpException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hand-written TFLite model whose only op is a custom op no runtime has. */
class TfliteCustomOpTest {
  @TempDir Path dir;

  @Test
  void modelLoadsAndNamesItsCustomOp() throws Exception {
    Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
    TfliteModel m = TfliteModel.load(f);
    assertThat(m.whole().opTypes()).containsExactly("SplitstreamNoSuchOp");
    assertThat(m.inputs()).extracting(i -> i.name()).containsExactly("x");
    assertThat(m.outputs()).extracting(o -> o.shape()).containsExactly(java.util.List.of(1L, 4L));
  }

  @Test
  void processorRefusesItBeforeBuildingAnInterpreter() throws Exception {
    Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
    assertThatThrownBy(() -> TfliteProcessor.cpu("tflite", 1).load(TfliteModel.load(f).whole()))
        .isInstanceOf(UnsupportedOpException.class)
        .hasMessage("segment custom[0:1] contains op SplitstreamNoSuchOp, which processor 'tflite' does not support: "
            + "cut so that SplitstreamNoSuchOp lands on another processor, or place this segment elsewhere");
  }

  /** The interpreter itself refuses it too, and that refusal is translated the same way. */
  @Test
  void theInterpretersOwnRefusalBecomesUnsupportedOp() throws Exception {
    Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
    assertThatThrownBy(() -> TfliteSegmentSession.open(TfliteModel.load(f).whole(), 1, "tflite"))
        .isInstanceOfSatisfying(UnsupportedOpException.class,
            e -> assertThat(e.opType()).isEqualTo("SplitstreamNoSuchOp"))
        .hasMessageNotContaining("\n");
  }
}
