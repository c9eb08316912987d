package io.splitstream.pipeline.net;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.EnvelopeException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Turns an encoded image (anything {@code javax.imageio} reads: PNG, JPEG, BMP, GIF) into the
 * model's input: resized to its height and width, RGB, laid out NCHW ({@code [1,3,H,W]}) or NHWC
 * ({@code [1,H,W,3]}), FLOAT32 in [0, 1] or UINT8 as is. Any other input is refused, naming it.
 */
final class ImageInput {
  private ImageInput() {}

  static TensorMap decode(byte[] bytes, TensorSpec spec) {
    List<Long> s = spec.shape();
    boolean nchw = s.size() == 4 && s.get(1) == 3;
    boolean nhwc = s.size() == 4 && s.get(3) == 3;
    if (!(nchw || nhwc) || !(spec.type() == ElementType.FLOAT32 || spec.type() == ElementType.UINT8)) {
      throw new EnvelopeException("bad-image", "the model input " + spec.type() + s + " is not an RGB image"
          + " ([1,3,H,W] or [1,H,W,3], FLOAT32 or UINT8): send tensors instead");
    }
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      img = null;
    }
    if (img == null) {
      throw new EnvelopeException("bad-image", "the image (" + bytes.length + " bytes) cannot be decoded: send PNG or JPEG");
    }
    int h = (int) (long) s.get(nchw ? 2 : 1);
    int w = (int) (long) s.get(nchw ? 3 : 2);
    BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, w, h, null);
    g.dispose();
    int plane = h * w;
    float[] f = spec.type() == ElementType.FLOAT32 ? new float[3 * plane] : null;
    byte[] u = f == null ? new byte[3 * plane] : null;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = rgb.getRGB(x, y);
        int[] c = {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff};
        for (int k = 0; k < 3; k++) {
          int i = nchw ? k * plane + y * w + x : (y * w + x) * 3 + k;
          if (f != null) {
            f[i] = c[k] / 255f;
          } else {
            u[i] = (byte) c[k];
          }
        }
      }
    }
    Tensor t = f != null ? Tensor.ofFloats(spec.shapeArray(), f)
        : Tensor.of(ElementType.UINT8, spec.shapeArray(), java.nio.ByteBuffer.wrap(u));
    return TensorMap.of(spec.name(), t);
  }
}
