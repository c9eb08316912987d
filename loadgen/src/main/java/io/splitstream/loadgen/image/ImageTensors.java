package io.splitstream.loadgen.image;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Turns RGB images into model input tensors: resize (bilinear) to the input's height and width,
 * reorder to its layout, convert to gray when it has one channel, and normalise to float or keep
 * raw bytes. Stateless and thread-safe; every call returns a new tensor that owns its buffer.
 */
public final class ImageTensors {
  private static final float[][] UNIT_TABLES = PixelNormalization.UNIT.lookupTables();

  private ImageTensors() {}

  /**
   * The tensor for {@code spec} holding {@code image}; dynamic height/width take the image's own size,
   * floats are normalised to [0, 1].
   *
   * @throws io.splitstream.devices.SplitstreamException when an image can't fill {@code spec}
   */
  public static Tensor toTensor(RgbImage image, TensorSpec spec) {
    ImageInput input = ImageInput.of(spec).resolve(image.height(), image.width());
    return toTensor(image, input, PixelNormalization.UNIT);
  }

  /**
   * The tensor for {@code input} (which must be static) holding {@code image}, resized when the
   * sizes differ.
   */
  public static Tensor toTensor(RgbImage image, ImageInput input, PixelNormalization normalization) {
    long[] shape = input.shape();
    RgbImage src = image.width() == input.width() && image.height() == input.height()
        ? image
        : resize(image, input.width(), input.height());
    byte[] px = src.pixels();
    int plane = input.height() * input.width();
    int c = input.channels();
    boolean nchw = input.layout() == ImageLayout.NCHW;
    if (input.type() == ElementType.UINT8) {
      ByteBuffer buf = ByteBuffer.allocateDirect(plane * c).order(ByteOrder.nativeOrder());
      if (c == 3 && !nchw) {
        buf.put(px);
      } else if (c == 3) {
        byte[] out = new byte[plane * 3];
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
          out[i] = px[p];
          out[plane + i] = px[p + 1];
          out[2 * plane + i] = px[p + 2];
        }
        buf.put(out);
      } else {
        byte[] out = new byte[plane];
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
          out[i] = (byte) luma(px[p], px[p + 1], px[p + 2]);
        }
        buf.put(out);
      }
      buf.flip();
      return Tensor.of(ElementType.UINT8, shape, buf);
    }
    float[][] lut = normalization.equals(PixelNormalization.UNIT) ? UNIT_TABLES : normalization.lookupTables();
    // A heap array then one bulk copy beats element-wise puts into the direct buffer (measured ~3x).
    float[] out = new float[plane * c];
    if (c == 1) {
      float[] g = lut[0];
      for (int i = 0, p = 0; i < plane; i++, p += 3) {
        out[i] = g[luma(px[p], px[p + 1], px[p + 2])];
      }
    } else if (nchw) {
      float[] r = lut[0];
      float[] gr = lut[1];
      float[] b = lut[2];
      for (int i = 0, p = 0; i < plane; i++, p += 3) {
        out[i] = r[px[p] & 0xff];
        out[plane + i] = gr[px[p + 1] & 0xff];
        out[2 * plane + i] = b[px[p + 2] & 0xff];
      }
    } else {
      for (int p = 0; p < out.length; p += 3) {
        out[p] = lut[0][px[p] & 0xff];
        out[p + 1] = lut[1][px[p + 1] & 0xff];
        out[p + 2] = lut[2][px[p + 2] & 0xff];
      }
    }
    return Tensor.ofFloats(shape, out);
  }

  /** Bilinear resize with pixel centres aligned (as OpenCV's INTER_LINEAR and PIL do). */
  public static RgbImage resize(RgbImage image, int width, int height) {
    if (width == image.width() && height == image.height()) {
      return image;
    }
    int sw = image.width();
    int sh = image.height();
    byte[] src = image.pixels();
    byte[] dst = new byte[width * height * 3];
    double sx = (double) sw / width;
    double sy = (double) sh / height;
    int[] x0 = new int[width];
    int[] x1 = new int[width];
    float[] fx = new float[width];
    for (int x = 0; x < width; x++) {
      double u = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      x0[x] = (int) u;
      x1[x] = Math.min(x0[x] + 1, sw - 1);
      fx[x] = (float) (u - x0[x]);
    }
    for (int y = 0; y < height; y++) {
      double v = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
      int y0 = (int) v;
      int y1 = Math.min(y0 + 1, sh - 1);
      float fy = (float) (v - y0);
      int row0 = y0 * sw * 3;
      int row1 = y1 * sw * 3;
      int o = y * width * 3;
      for (int x = 0; x < width; x++) {
        int a = row0 + x0[x] * 3;
        int b = row0 + x1[x] * 3;
        int cc = row1 + x0[x] * 3;
        int d = row1 + x1[x] * 3;
        float wx = fx[x];
        for (int k = 0; k < 3; k++) {
          float top = (src[a + k] & 0xff) + ((src[b + k] & 0xff) - (src[a + k] & 0xff)) * wx;
          float bottom = (src[cc + k] & 0xff) + ((src[d + k] & 0xff) - (src[cc + k] & 0xff)) * wx;
          dst[o++] = (byte) Math.round(top + (bottom - top) * fy);
        }
      }
    }
    return new RgbImage(width, height, dst);
  }

  /** ITU-R BT.601 luma in 0..255, in integer arithmetic. */
  private static int luma(byte r, byte g, byte b) {
    return ((r & 0xff) * 77 + (g & 0xff) * 150 + (b & 0xff) * 29 + 128) >> 8;
  }
}
