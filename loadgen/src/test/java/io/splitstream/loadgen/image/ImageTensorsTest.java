package io.splitstream.loadgen.image;

import static io.splitstream.loadgen.Contexts.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageTensorsTest {
  /** 2x2 image: red, green / blue, white. */
  private static RgbImage quad() {
    return new RgbImage(2, 2, new byte[] {
        (byte) 255, 0, 0, 0, (byte) 255, 0,
        0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255});
  }

  @Test
  void nhwcKeepsPixelsInterleaved() {
    float[] v = ImageTensors.toTensor(quad(), spec(ElementType.FLOAT32, 1, -1, -1, 3)).floats();
    assertThat(v).containsExactly(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1);
  }

  @Test
  void nchwPutsEachChannelInItsOwnPlane() {
    Tensor t = ImageTensors.toTensor(quad(), spec(ElementType.FLOAT32, 1, 3, 2, 2));
    assertThat(t.shape()).containsExactly(1, 3, 2, 2);
    assertThat(t.floats()).containsExactly(1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1);
  }

  @Test
  void uint8GetsRawBytesAndGrayGetsLuma() {
    Tensor raw = ImageTensors.toTensor(quad(), spec(ElementType.UINT8, 1, 3, -1, -1));
    ByteBuffer b = raw.data();
    assertThat(b.get(0) & 0xff).isEqualTo(255);
    assertThat(b.get(4 + 1) & 0xff).isEqualTo(255);
    Tensor gray = ImageTensors.toTensor(quad(), spec(ElementType.FLOAT32, 1, 1, 2, 2));
    float[] g = gray.floats();
    assertThat(g[0]).isCloseTo(77 / 256f, offset(0.01f));
    assertThat(g[1]).isCloseTo(150 / 256f, offset(0.01f));
    assertThat(g[3]).isCloseTo(1f, offset(1e-6f));
  }

  @Test
  void normalizationAppliesMeanAndStdPerChannel() {
    ImageInput in = new ImageInput("x", ElementType.FLOAT32, ImageLayout.NHWC, 3, 2, 2);
    float[] v = ImageTensors.toTensor(quad(), in, PixelNormalization.IMAGENET).floats();
    assertThat(v[0]).isCloseTo((float) ((1 - 0.485) / 0.229), offset(1e-5f));
    assertThat(v[1]).isCloseTo((float) ((0 - 0.456) / 0.224), offset(1e-5f));
  }

  @Test
  void resizeKeepsAUniformImageUniformAndInterpolates() {
    byte[] px = new byte[8 * 6 * 3];
    java.util.Arrays.fill(px, (byte) 77);
    RgbImage r = ImageTensors.resize(new RgbImage(8, 6, px), 5, 3);
    assertThat(r.width()).isEqualTo(5);
    for (byte b : r.pixels()) {
      assertThat(b & 0xff).isEqualTo(77);
    }
    // A black-to-white 2-pixel row stretched to 4 pixels ramps 0, 64, 191, 255 (pixel centres aligned).
    RgbImage ramp = new RgbImage(2, 1, new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    byte[] out = ImageTensors.resize(ramp, 4, 1).pixels();
    assertThat(new int[] {out[0] & 0xff, out[3] & 0xff, out[6] & 0xff, out[9] & 0xff})
        .containsExactly(0, 64, 191, 255);
  }

  @Test
  void tensorFollowsAFixedInputSizeByResizing() {
    Tensor t = ImageTensors.toTensor(quad(), spec(ElementType.FLOAT32, 1, 4, 6, 3));
    assertThat(t.shape()).containsExactly(1, 4, 6, 3);
  }

  @Test
  void readsLayoutsFromShapes() {
    assertThat(ImageInput.of(spec(ElementType.FLOAT32, 1, 3, 224, 224)))
        .isEqualTo(new ImageInput("x", ElementType.FLOAT32, ImageLayout.NCHW, 3, 224, 224));
    assertThat(ImageInput.of(spec(ElementType.UINT8, -1, 128, 128, 3)))
        .isEqualTo(new ImageInput("x", ElementType.UINT8, ImageLayout.NHWC, 3, 128, 128));
    assertThat(ImageInput.of(spec(ElementType.FLOAT32, -1, 3, -1, -1)).isStatic()).isFalse();
    assertThat(ImageInput.of(spec(ElementType.FLOAT32, 1, 28, 28, 1)).layout()).isEqualTo(ImageLayout.NHWC);
  }

  @Test
  void rejectsInputsNoImageCanFill() {
    for (List<Long> shape : List.of(List.of(1L, 512L), List.of(1L, 5L, 32L, 32L), List.of(4L, 3L, 32L, 32L),
        List.of(1L, -1L, -1L, -1L))) {
      assertThatThrownBy(() -> ImageInput.of(new io.splitstream.devices.model.TensorSpec("x", ElementType.FLOAT32,
          shape)))
          .isInstanceOf(SplitstreamException.class)
          .hasMessage("model input 'x' has shape " + shape
              + " which an image source can't fill: one image fills [1,H,W,C] or [1,C,H,W] with C of 1 or 3;"
              + " for a model that does not take one image, use a synthetic source, which fills any input,"
              + " e.g. --source synthetic:constant,rate=30");
    }
    assertThatThrownBy(() -> ImageInput.of(spec(ElementType.INT64, 1, 3, 32, 32)))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("model input 'x' has type INT64 which an image source can't fill");
  }
}
