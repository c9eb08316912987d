package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputShapesTest {
  private static final List<TensorSpec> DECLARED = List.of(
      new TensorSpec("input:0", ElementType.FLOAT32, List.of(-1L, 3L, -1L, -1L)),
      new TensorSpec("y", ElementType.INT64, List.of(1L, 4L)));

  @Test
  void parsesSeveralEntriesAndNamesWithColons() {
    InputShapes s = InputShapes.parse(" input:0=2,3,320,240 ; y=1,4 ");
    assertThat(s.get("input:0")).contains(List.of(2L, 3L, 320L, 240L));
    assertThat(s.get("y")).contains(List.of(1L, 4L));
    assertThat(s).isEqualTo(InputShapes.parse("y=1,4;input:0=2,3,320,240"));
    assertThat(s.toString()).isEqualTo("input:0=2,3,320,240;y=1,4");
  }

  @Test
  void blankIsNone() {
    assertThat(InputShapes.parse("  ")).isSameAs(InputShapes.none());
    assertThat(InputShapes.none().isEmpty()).isTrue();
  }

  @Test
  void resolvesDynamicDimensionsToOneUnlessGiven() {
    assertThat(InputShapes.none().resolve("m", DECLARED).get("input:0")).containsExactly(1, 3, 1, 1);
    assertThat(InputShapes.parse("input:0=2,3,64,32").resolve("m", DECLARED).get("input:0")).containsExactly(2, 3, 64, 32);
    assertThat(InputShapes.parse("input:0=2,3,64,32").resolve("m", DECLARED).get("y")).containsExactly(1, 4);
  }

  @Test
  void badEntriesGiveOneLineErrors() {
    assertThatThrownBy(() -> InputShapes.parse("x=1,a"))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("input shape 'x=1,a' is not valid: dimension 'a' must be a positive integer; write "
            + "name=d0,d1,...;name2=... as in x=1,3,320,320");
    assertThatThrownBy(() -> InputShapes.parse("x=1,0")).hasMessageContaining("dimension '0' must be a positive integer");
    assertThatThrownBy(() -> InputShapes.parse("1,3,4")).hasMessageStartingWith("input shape '1,3,4' is not valid: write");
    assertThatThrownBy(() -> InputShapes.parse("x=1;x=2")).hasMessageStartingWith("input shape for 'x' is given twice");
  }

  @Test
  void shapesMustKeepRankAndFixedDimensions() {
    assertThatThrownBy(() -> InputShapes.parse("input:0=1,4,8,8").resolve("m", DECLARED))
        .hasMessage("input shape input:0=1,4,8,8 does not fit m, which declares input:0 as [?,3,?,?]: keep its rank and "
            + "fixed dimensions");
    assertThatThrownBy(() -> InputShapes.parse("input:0=1,3,8").resolve("m", DECLARED))
        .hasMessageContaining("does not fit m");
  }
}
