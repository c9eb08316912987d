package io.splitstream.pipeline.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.pipeline.frame.EnvelopeException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageInputTest {
  private static byte[] png(Color c) throws Exception {
    BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, 8, 6);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void aPngBecomesAnNchwFloatInputOfTheModelsSize() throws Exception {
    TensorSpec spec = new TensorSpec("img", ElementType.FLOAT32, List.of(1L, 3L, 4L, 4L));
    Tensor t = ImageInput.decode(png(Color.RED), spec).get("img");
    assertThat(t.shape()).containsExactly(1, 3, 4, 4);
    float[] f = t.floats();
    for (int i = 0; i < 16; i++) {
      assertThat(f[i]).isEqualTo(1f); // red plane
      assertThat(f[16 + i]).isZero();
      assertThat(f[32 + i]).isZero();
    }
  }

  @Test
  void anNhwcUint8InputKeepsTheBytes() throws Exception {
    TensorSpec spec = new TensorSpec("img", ElementType.UINT8, List.of(1L, 2L, 2L, 3L));
    ByteBuffer b = ImageInput.decode(png(new Color(10, 20, 30)), spec).get("img").data();
    for (int px = 0; px < 4; px++) {
      assertThat(b.get(px * 3) & 0xff).isEqualTo(10);
      assertThat(b.get(px * 3 + 1) & 0xff).isEqualTo(20);
      assertThat(b.get(px * 3 + 2) & 0xff).isEqualTo(30);
    }
  }

  @Test
  void anInputThatIsNoImageIsNamed() {
    TensorSpec spec = new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 4L));
    assertThatThrownBy(() -> ImageInput.decode(png(Color.RED), spec))
        .isInstanceOfSatisfying(EnvelopeException.class, e -> {
          assertThat(e.kind()).isEqualTo("bad-image");
          assertThat(e.getMessage()).contains("[1, 4]");
        });
  }
}
