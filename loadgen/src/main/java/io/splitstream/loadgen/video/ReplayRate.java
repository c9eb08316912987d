package io.splitstream.loadgen.video;

import io.splitstream.devices.SplitstreamException;
import java.util.Locale;

/**
 * How fast a video is replayed: at the file's own timing ({@link Kind#NATIVE}, by presentation
 * timestamps), as fast as the pipeline takes frames ({@link Kind#MAX}, not live) or at a fixed rate
 * ({@link Kind#FIXED}, {@code fps} frames per second regardless of the file's timing).
 */
public record ReplayRate(Kind kind, double fps) {
  public enum Kind { NATIVE, MAX, FIXED }

  public static final ReplayRate NATIVE = new ReplayRate(Kind.NATIVE, 0);
  public static final ReplayRate MAX = new ReplayRate(Kind.MAX, 0);

  public ReplayRate {
    if (kind == Kind.FIXED ? !(fps > 0) || Double.isInfinite(fps) : fps != 0) {
      throw new IllegalArgumentException("fps must be positive for FIXED and 0 otherwise, got " + kind + " " + fps);
    }
  }

  public static ReplayRate fixed(double fps) {
    return new ReplayRate(Kind.FIXED, fps);
  }

  /**
   * Parses {@code native}, {@code max} or a positive number.
   *
   * @param where names the argument in the error, e.g. {@code "video source 'clip.mp4,fps=x'"}
   */
  public static ReplayRate parse(String text, String where) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("native")) {
      return NATIVE;
    }
    if (t.equals("max")) {
      return MAX;
    }
    try {
      double fps = Double.parseDouble(t);
      if (fps > 0 && !Double.isInfinite(fps)) {
        return fixed(fps);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SplitstreamException(where + ": replay rate '" + text
        + "' is not valid; use native, max or a number of frames per second above 0");
  }

  @Override
  public String toString() {
    return kind == Kind.FIXED ? trim(fps) + " fps" : kind.name().toLowerCase(Locale.ROOT);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
