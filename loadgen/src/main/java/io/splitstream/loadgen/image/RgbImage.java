package io.splitstream.loadgen.image;

/**
 * An 8-bit RGB image, rows top to bottom, pixels packed {@code R,G,B} (HWC, no row padding).
 *
 * <p>The pixel array is taken and handed out without copying, for speed on the per-frame path:
 * whoever builds an image gives up the array, and nobody writes to it afterwards.
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] pixels;

  /** @throws IllegalArgumentException when the array does not hold exactly {@code width*height*3} bytes */
  public RgbImage(int width, int height, byte[] pixels) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
    if (pixels.length != width * height * 3) {
      throw new IllegalArgumentException(
          "a " + width + "x" + height + " RGB image needs " + width * height * 3 + " bytes, got " + pixels.length);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The packed RGB bytes (not a copy: do not modify). */
  public byte[] pixels() {
    return pixels;
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
