package io.splitstream.loadgen.video;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.loadgen.image.PixelNormalization;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;
import java.nio.file.Path;

/**
 * Scheme {@code video}: the argument is a file path, optionally followed by {@code ,fps=native|max|<n>}
 * (default native), e.g. {@code video:clip.mp4,fps=max}. The last {@code ,fps=} in the argument is the
 * option, so a path may itself contain commas. Floats are normalised to [0, 1].
 */
public final class VideoSourceProvider implements FrameSourceProvider {
  @Override
  public String scheme() {
    return "video";
  }

  @Override
  public String usage() {
    return "video:<file>[,fps=native|max|<n>] replays a video file (default fps=native); e.g. video:clip.mp4,fps=max";
  }

  @Override
  public FrameSource open(String argument, SourceContext context) {
    int at = argument.lastIndexOf(",fps=");
    String path = at < 0 ? argument : argument.substring(0, at);
    ReplayRate rate = at < 0 ? ReplayRate.NATIVE
        : ReplayRate.parse(argument.substring(at + ",fps=".length()), "video source '" + argument + "'");
    if (path.isBlank()) {
      throw new SplitstreamException(
          "video source '" + argument + "' names no file; use " + usage());
    }
    return VideoReplaySource.open(Path.of(path.trim()), rate, context, PixelNormalization.UNIT);
  }
}
