package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.TensorMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleInputsTest {
  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() {
    OnnxModel m = TestModels.multiHead();
    TensorMap a = SampleInputs.forModel(m, InputShapes.none(), 7);
    TensorMap b = SampleInputs.forModel(m, InputShapes.none(), 7);
    TensorMap c = SampleInputs.forModel(m, InputShapes.none(), 8);
    assertThat(a.names()).containsExactly("image", "meta");
    assertThat(a.get("image").floats()).isEqualTo(b.get("image").floats());
    assertThat(a.get("image").floats()).isNotEqualTo(c.get("image").floats());
    assertThat(a.get("image").shape()).containsExactly(1, 3, 16, 16);
  }

  @Test
  void floatsAreUniformInTheUnitIntervalAndIntegersSmall() {
    List<TensorSpec> specs = List.of(
        new TensorSpec("f", ElementType.FLOAT32, List.of(-1L, 1000L)),
        new TensorSpec("i", ElementType.INT64, List.of(500L)),
        new TensorSpec("b", ElementType.BOOL, List.of(100L)));
    TensorMap t = SampleInputs.forShapes(specs,
        Map.of("f", new long[] {2, 1000}, "i", new long[] {500}, "b", new long[] {100}), 1);
    float[] f = t.get("f").floats();
    assertThat(f).hasSize(2000);
    double mean = 0;
    for (float v : f) {
      assertThat(v).isGreaterThanOrEqualTo(0f).isLessThan(1f);
      mean += v / f.length;
    }
    assertThat(mean).isBetween(0.45, 0.55);
    var ints = t.get("i").data().asLongBuffer();
    for (int k = 0; k < 500; k++) {
      assertThat(ints.get(k)).isBetween(0L, 3L);
    }
    var bools = t.get("b").data();
    for (int k = 0; k < 100; k++) {
      assertThat((int) bools.get(k)).isBetween(0, 1);
    }
  }

  @Test
  void dynamicShapesComeFromTheGivenShapes() {
    OnnxModel m = TestModels.dynamicDims();
    assertThat(SampleInputs.forModel(m, InputShapes.parse("x=2,3,8,12"), 1).get("x").shape()).containsExactly(2, 3, 8, 12);
    assertThat(SampleInputs.forModel(m, InputShapes.none(), 1).get("x").shape()).containsExactly(1, 3, 1, 1);
  }
}
