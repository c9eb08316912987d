package io.splitstream.loadgen.image;

import java.util.List;

/**
 * How an 8-bit channel value {@code v} becomes a float: {@code (v / 255 - mean[c]) / std[c]}.
 * {@link #UNIT} (mean 0, std 1) gives values in [0, 1], the default of both image sources; models
 * trained with ImageNet statistics want {@link #IMAGENET}. One entry applies to every channel; three
 * entries are R, G, B. Gray (one-channel) inputs use the first entry.
 */
public record PixelNormalization(List<Double> mean, List<Double> std) {
  /** Values in [0, 1]. */
  public static final PixelNormalization UNIT = new PixelNormalization(List.of(0.0), List.of(1.0));

  /** The usual ImageNet mean and standard deviation per RGB channel. */
  public static final PixelNormalization IMAGENET =
      new PixelNormalization(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));

  public PixelNormalization {
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (mean.size() != 1 && mean.size() != 3 || std.size() != 1 && std.size() != 3) {
      throw new IllegalArgumentException("mean and std need 1 or 3 entries, got " + mean + " and " + std);
    }
    for (double s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std entries must be above 0, got " + std);
      }
    }
  }

  /** A 256-entry table per channel (R, G, B) mapping a byte value to its float. */
  float[][] lookupTables() {
    float[][] lut = new float[3][256];
    for (int c = 0; c < 3; c++) {
      double m = mean.get(Math.min(c, mean.size() - 1));
      double s = std.get(Math.min(c, std.size() - 1));
      for (int v = 0; v < 256; v++) {
        lut[c][v] = (float) ((v / 255.0 - m) / s);
      }
    }
    return lut;
  }
}
