package io.splitstream.loadgen.video;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Scheme {@code video}: the argument is a file path, optionally followed by {@code ,fps=native|max|<n>}
 * (default native) and {@code ,loop=true|false} (default false), e.g. {@code video:clip.mp4,fps=max} or
 * {@code video:clip.mp4,loop=true}. Options are read from the end of the argument, so a path may
 * itself contain commas. Floats are normalised to [0, 1].
 *
 * <p>Without {@code loop}, a run whose {@code --duration} is longer than the file is refused when it
 * opens, naming the file's length; with {@code loop=true} the file starts again at its end until the
 * duration is over.
 */
public final class VideoSourceProvider implements FrameSourceProvider {
  @Override
  public String scheme() {
    return "video";
  }

  @Override
  public String usage() {
    return "video:<file>[,fps=native|max|<n>][,loop=true|false] replays a video file (default fps=native, "
        + "loop=false: a --duration longer than the file is refused); e.g. video:clip.mp4,loop=true";
  }

  @Override
  public FrameSource open(String argument, SourceContext context) {
    String path = argument;
    String fps = null;
    String loop = null;
    while (true) {
      int comma = path.lastIndexOf(',');
      String last = comma < 0 ? "" : path.substring(comma + 1).trim();
      if (fps == null && last.startsWith("fps=")) {
        fps = last.substring("fps=".length());
      } else if (loop == null && last.startsWith("loop=")) {
        loop = last.substring("loop=".length());
      } else {
        break;
      }
      path = path.substring(0, comma);
    }
    ReplayRate rate = fps == null ? ReplayRate.NATIVE : ReplayRate.parse(fps, "video source '" + argument + "'");
    if (path.isBlank()) {
      throw new SplitstreamException(
          "video source '" + argument + "' names no file; use " + usage());
    }
    return VideoReplaySource.open(Path.of(path.trim()), rate, context, PixelNormalization.UNIT,
        loop != null && flag(loop, "video source '" + argument + "'"));
  }

  /** {@code true} or {@code false}, any case; anything else is a one-line error. */
  static boolean flag(String value, String what) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new SplitstreamException(what + ": loop '" + value + "' must be true or false");
    };
  }
}
