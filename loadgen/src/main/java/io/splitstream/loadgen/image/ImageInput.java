package io.splitstream.loadgen.image;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import java.util.List;
import java.util.Optional;

/**
 * A model input read as an image: its layout, channel count (1 gray or 3 RGB), element type and
 * height and width, each of which is {@code -1} while dynamic. The batch is always 1.
 *
 * <p>How a {@link TensorSpec} is read ({@link #of(TensorSpec)}): it must have rank 4 with batch 1 or
 * dynamic; when dimension 1 is 1 or 3 and the last is not, the layout is NCHW; when the last is 1 or 3
 * and dimension 1 is not, NHWC; when both are (e.g. {@code [1,3,3,3]}) NCHW wins. The element type
 * must be FLOAT32 (normalised, see {@link PixelNormalization}) or UINT8 (raw bytes).
 */
public record ImageInput(String name, ElementType type, ImageLayout layout, int channels, int height, int width) {
  public ImageInput {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (type != ElementType.FLOAT32 && type != ElementType.UINT8) {
      throw new IllegalArgumentException("type must be FLOAT32 or UINT8, got " + type);
    }
    if (height == 0 || height < -1 || width == 0 || width < -1) {
      throw new IllegalArgumentException("height and width must be positive or -1, got " + height + "x" + width);
    }
  }

  /**
   * Reads a model input as an image.
   *
   * @throws SplitstreamException naming the input and its shape or type when an image can't fill it
   */
  /** What to do instead: a synthetic source fills any input (random values of the input's type and shape). */
  static final String REMEDY = "for a model that does not take one image, use a synthetic source, which fills any"
      + " input, e.g. --source synthetic:constant,rate=30";

  public static ImageInput of(TensorSpec spec) {
    return from(spec).orElseThrow(() -> {
      if (from(new TensorSpec(spec.name(), ElementType.FLOAT32, spec.shape())).isPresent()) {
        return new SplitstreamException("model input '" + spec.name() + "' has type " + spec.type()
            + " which an image source can't fill: expects FLOAT32 (normalised) or UINT8 (raw pixels); " + REMEDY);
      }
      return new SplitstreamException("model input '" + spec.name() + "' has shape " + spec.shape()
          + " which an image source can't fill: one image fills [1,H,W,C] or [1,C,H,W] with C of 1 or 3; " + REMEDY);
    });
  }

  /** The input read as an image, or empty when an image can't fill it (see {@link #of}). */
  public static Optional<ImageInput> from(TensorSpec spec) {
    List<Long> s = spec.shape();
    if (s.size() != 4 || s.get(0) != 1 && s.get(0) != -1) {
      return Optional.empty();
    }
    if (spec.type() != ElementType.FLOAT32 && spec.type() != ElementType.UINT8) {
      return Optional.empty();
    }
    boolean channelsFirst = s.get(1) == 1 || s.get(1) == 3;
    boolean channelsLast = s.get(3) == 1 || s.get(3) == 3;
    if (!channelsFirst && !channelsLast) {
      return Optional.empty();
    }
    ImageLayout layout = channelsFirst ? ImageLayout.NCHW : ImageLayout.NHWC;
    long c = channelsFirst ? s.get(1) : s.get(3);
    long h = channelsFirst ? s.get(2) : s.get(1);
    long w = channelsFirst ? s.get(3) : s.get(2);
    if (!fits(h) || !fits(w)) {
      return Optional.empty();
    }
    return Optional.of(new ImageInput(spec.name(), spec.type(), layout, (int) c, (int) h, (int) w));
  }

  private static boolean fits(long dim) {
    return dim == -1 || dim > 0 && dim <= 1 << 15;
  }

  public boolean isStatic() {
    return height > 0 && width > 0;
  }

  /** This input with each dynamic dimension replaced by the given one; fixed dimensions stay. */
  public ImageInput resolve(int defaultHeight, int defaultWidth) {
    return new ImageInput(name, type, layout, channels,
        height > 0 ? height : defaultHeight, width > 0 ? width : defaultWidth);
  }

  /** The tensor shape, batch 1; only for a static input. */
  public long[] shape() {
    if (!isStatic()) {
      throw new IllegalStateException("input '" + name + "' still has a dynamic height or width");
    }
    return layout == ImageLayout.NCHW
        ? new long[] {1, channels, height, width}
        : new long[] {1, height, width, channels};
  }
}
