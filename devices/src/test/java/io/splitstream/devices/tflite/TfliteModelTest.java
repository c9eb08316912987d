package io.splitstream.devices.tflite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.processor.TinyOnnx;
import io.splitstream.devices.tensor.ElementType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteModelTest {
  @TempDir Path dir;

  @Test
  void readsInputsOutputsOpsAndCostFromTheFlatbuffer() {
    TfliteModel m = TfliteModel.load(TestModels.path("face-short"));
    assertThat(m.name()).isEqualTo("face-short");
    assertThat(m.format()).isEqualTo(ModelFormat.TFLITE);
    assertThat(m.inputs()).singleElement().satisfies(i -> {
      assertThat(i.type()).isEqualTo(ElementType.FLOAT32);
      assertThat(i.shape()).containsExactly(1L, 128L, 128L, 3L);
    });
    assertThat(m.outputs()).extracting(o -> o.shape()).containsExactly(List.of(1L, 896L, 16L), List.of(1L, 896L, 1L));
    Segment whole = m.whole();
    assertThat(whole.count()).isEqualTo(1);
    assertThat(whole.opTypes()).contains("CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "RELU", "MAX_POOL_2D");
    assertThat(whole.cost().nodeCount()).isEqualTo(whole.endNode()).isEqualTo(m.graph().operators().size());
    // BlazeFace short range: tens of MFLOP, nearly all in convolutions
    assertThat(whole.cost().flops()).isBetween(3e7, 2e8);
    assertThat(whole.cost().flops(OpClass.CONV)).isGreaterThan(whole.cost().flops(OpClass.DEPTHWISE_CONV));
    assertThat(whole.cost().paramBytes()).isPositive();
  }

  @Test
  void aFileThatIsNotTfliteIsNamedInOneLine() throws Exception {
    Path f = Files.write(dir.resolve("x.tflite"), TinyOnnx.convReluAdd().bytes());
    assertThatThrownBy(() -> TfliteModel.load(f))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage(f + " is not a TFLite model (no TFL3 identifier): give a .tflite file");
    assertThatThrownBy(() -> TfliteModel.load(dir.resolve("missing.tflite")))
        .hasMessageStartingWith("cannot read TFLite model " + dir.resolve("missing.tflite"));
  }

  @Test
  void customOpsOutsideTheBuiltinResolverAreUnsupported() {
    TfliteProcessor p = TfliteProcessor.cpu("tflite", 1);
    assertThat(p.supports("CONV_2D")).isTrue();
    assertThat(p.supports("TFLite_Detection_PostProcess")).isTrue();
    assertThat(p.supports("Convolution2DTransposeBias")).isFalse();
    assertThat(p.supports("BUILTIN_200")).isFalse();
  }

  @Test
  void onnxSegmentIsRefusedWithTheRemedy() {
    assertThatThrownBy(() -> TfliteProcessor.cpu("tflite", 1).load(TinyOnnx.convReluAdd()))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("is ONNX, but processor 'tflite' runs TFLite only");
  }

  @Test
  void nativeLibraryIsExtractedOnceAndLoaded() {
    Path lib = TfliteNative.ensureLoaded();
    assertThat(lib).isRegularFile();
    assertThat(TfliteNative.ensureLoaded()).isEqualTo(lib);
  }
}
